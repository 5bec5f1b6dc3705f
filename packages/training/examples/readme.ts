import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { on, resolveConfig, train } from '@cs-dfd/training';

// A tiny faceworld and detector so that this runs in seconds; drop these keys for the real default.
const config = resolveConfig({
  backend: 'wasm',
  data: {
    faceworld: {
      options: { identities: 6, targetIdentities: 2, videosPerIdentity: 1, frames: 2, size: 48 },
      cacheDir: join(tmpdir(), 'cs-dfd-train-test-cache'),
    },
  },
  detector: { backbone: { kind: 'small-cnn', channels: [4, 8] }, inputSize: 16, projectionDim: 8 },
  method: { name: 'pcgrad' },
  train: { steps: 4, batchSize: 4, evalEvery: 2, checkpointEvery: 2 },
  eval: { gradcam: 0 },
  diagnostics: { largeBatchEvery: 2, largeBatchSize: 16 }, // large-batch cosine at steps 2 and 4
});

const cosines: (number | undefined)[] = [];
const checkpoints: number[] = [];
export const { report } = await train({
  config,
  out: join(tmpdir(), `cs-dfd-training-example-${process.pid}`),
  onEvent: [
    on('step', (e) => {
      cosines.push(e.record.cosine); // every log.jsonl step record, as it is written
    }),
    on('checkpoint', (e) => {
      checkpoints.push(e.step);
    }),
  ],
});
console.log(report.method); // 'pcgrad+cgr'
console.log(Object.keys(report.metrics)); // ['val', 'test', 'cross:faceworld-target']
console.log(cosines.length); // 4
console.log(checkpoints); // [2, 4]
console.log(report.diagnostics.map((d) => `${d.step}:${d.chunks}`)); // ['2:2', '4:2']
