// The PyTorch peer of `bench torch-peer` computes the trainer's step: from our initial weights and the same packed
// batch, its per-source BCE matches runStep's before the first update (forward: layout, BatchNorm, head) and after
// three updates (UVS aggregation and Adam), and both count the same parameters. Needs /usr/bin/python3 with
// python3-torch (tooling/scripts/system-deps.txt).
import { initBackend } from '@cs-dfd/backend';
import { createDetector } from '@cs-dfd/detectors';
import { makeOptimizer, packBatch, planMethod, runStep, setLearningRate } from '@cs-dfd/training';
import { beforeAll, describe, expect, it } from 'vitest';
import { conflictingBatch, methodConfig } from '../src/perf/method-step.js';
import { type PeerMethod, peerSpec, peerWeights, runPeer } from '../src/perf/torch-peer.js';

const TINY = {
  detector: { backbone: { kind: 'small-cnn', channels: [4, 8] }, inputSize: 16, projectionDim: 8 },
  train: { batchSize: 4 },
  optimizer: { lr: 0.01 },
};
const STEPS = 3;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

/** Our per-source losses before each of STEPS steps, and the peer's from the same weights and batch. */
function both(method: PeerMethod) {
  const config = methodConfig(method, TINY as never);
  const plan = planMethod(config);
  const batch = conflictingBatch(16, config.train.batchSize, 3);
  const detector = createDetector({ seed: config.seed, ...config.detector } as Parameters<
    typeof createDetector
  >[0]);
  const optimizer = makeOptimizer(config);
  setLearningRate(optimizer, config.optimizer.lr);
  const data = packBatch(batch, plan, config);
  const spec = {
    ...peerSpec(config, data, { method, threads: 1, warmup: 0, steps: STEPS }),
    weights: peerWeights(detector),
    images: Array.from(data.images),
    labels: Array.from(data.labels),
  };
  const params = detector.trainableVariables().reduce((s, v) => s + v.size, 0);
  const ours: number[][] = [];
  try {
    for (let step = 0; step < STEPS; step++) {
      const { record } = runStep(detector, optimizer, plan, config, data, step, config.optimizer.lr);
      ours.push(plan.sources.map((s) => record.losses[s]!));
    }
  } finally {
    detector.dispose();
    optimizer.dispose();
  }
  return { ours, params, peer: runPeer(spec) };
}

describe.each(['uvs', 'joint'] as const)('PyTorch peer, %s', (method) => {
  it('same parameter count and the same per-source BCE before the first and after three updates', () => {
    const { ours, params, peer } = both(method);
    expect(peer.params).toBe(params);
    expect(peer.losses).toHaveLength(STEPS);
    for (let s = 0; s < STEPS; s++) {
      for (let i = 0; i < 2; i++) expect(peer.losses[s]![i]).toBeCloseTo(ours[s]![i]!, 4);
    }
    // The updates moved the losses, so the later comparison tests the aggregation and Adam, not only the forward.
    expect(Math.abs(ours[STEPS - 1]![0]! - ours[0]![0]!)).toBeGreaterThan(1e-3);
  }, 60_000);
});
