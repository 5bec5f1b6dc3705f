// cgrStep's gradient hand-over (multitask's onTaskGradients): the callback sees exactly what the aggregator saw —
// the per-source BCE gradients with split 'exact', those plus each source's share of λ∇L_cd with split 'fused'.
import { bceWithLogits } from '@cs-dfd/backend/ops';
import { mean, type Weighting } from '@cs-dfd/gramian';
import { gramOfMaps } from '@cs-dfd/test-utils';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CgrSplit, cgrStep, standardLogits } from '../src/index.js';
import { setupBackends } from './helpers.js';
import { SOURCES, type TinyModel, tinyModel, twoSourceBatch } from './model.js';

beforeAll(async () => {
  await setupBackends();
  await tf.setBackend('cpu');
});

function recordingMean(): Weighting & { seen: Float64Array[] } {
  const inner = mean();
  const seen: Float64Array[] = [];
  const weights = (G: Float64Array, K: number) => {
    seen.push(G.slice());
    return inner.weights(G, K);
  };
  return { name: 'recording-mean', seen, weights };
}

type HostMaps = Array<Record<string, Float32Array>>;

/** Runs one cgrStep and returns host copies of what the callback saw and the G the aggregator saw. */
function step(m: TinyModel, seed: number, split: CgrSplit, weight: number) {
  const { input, labels } = twoSourceBatch(seed);
  const agg = recordingMean();
  let seen: HostMaps = [];
  let names: string[] = [];
  let calls = 0;
  const optimizer = tf.train.sgd(0.1);
  const before = tf.memory().numTensors;
  cgrStep({
    backbone: m.backbone,
    input,
    head: m.head,
    labels,
    sources: SOURCES,
    aggregator: agg,
    optimizer,
    onNonFinite: 'throw',
    cgr: { weight, split },
    onTaskGradients: (grads, n) => {
      calls++;
      names = [...n];
      seen = grads.map((g) =>
        Object.fromEntries(Object.entries(g).map(([k, t]) => [k, t.dataSync() as Float32Array])),
      );
    },
  });
  const leaked = tf.memory().numTensors - before;
  optimizer.dispose();
  input.dispose();
  return { seen, names, calls, G: agg.seen[0]!, leaked, labels };
}

function expectClose(a: ArrayLike<number>, e: ArrayLike<number>, rel: number, what: string) {
  const scale = Math.max(1e-6, ...Array.from(e, Math.abs));
  for (let p = 0; p < e.length; p++) {
    expect(Math.abs(a[p]! - e[p]!), `${what}[${p}]: ${a[p]} vs ${e[p]}`).toBeLessThanOrEqual(rel * scale);
  }
}

describe('cgrStep onTaskGradients', () => {
  for (const split of ['exact', 'fused'] as const) {
    it(`split '${split}': the callback's gradients have exactly the Gram matrix the aggregator saw, no leaks`, () => {
      for (const seed of [1, 2, 3]) {
        const m = tinyModel(seed);
        const r = step(m, seed, split, 0.5);
        expect(r.calls).toBe(1);
        expect(r.names).toEqual(['original', 'synthetic']);
        expect(r.leaked).toBe(0);
        expect(Object.keys(r.seen[0]!)).toEqual(m.variables.map((v) => v.name));
        expectClose(gramOfMaps(r.seen), r.G, 1e-5, `${split} G`);
        m.dispose();
      }
    });
  }

  it("split 'exact': the gradients equal a separate tf.variableGrads of each source's BCE on its rows", () => {
    const m = tinyModel(7);
    const { input, labels } = twoSourceBatch(7);
    const expected = SOURCES.map((s) => {
      const { value, grads } = tf.variableGrads(() => {
        const rows = tf.tensor1d(s.rows, 'int32');
        const f = m.backbone.apply(tf.gather(input, rows)) as tf.Tensor2D;
        return bceWithLogits(
          standardLogits(m.head, f),
          tf.tensor1d(s.rows.map((n) => labels[n]!)),
        ) as tf.Scalar;
      }, m.variables);
      const out = Object.fromEntries(
        Object.entries(grads).map(([k, t]) => [k, t.dataSync() as Float32Array]),
      );
      tf.dispose([value, ...Object.values(grads)]);
      return out;
    });
    input.dispose();
    const r = step(m, 7, 'exact', 0.5);
    r.seen.forEach((g, k) => {
      for (const v of m.variables)
        expectClose(g[v.name]!, expected[k]![v.name]!, 1e-5, `${SOURCES[k]!.name} ${v.name}`);
    });
    m.dispose();
  });

  it("split 'fused' with λ = 0 hands over the plain per-source gradients (the L_cd share is what λ adds)", () => {
    const a = tinyModel(11);
    const b = tinyModel(11);
    const exact = step(a, 11, 'exact', 0);
    const fused = step(b, 11, 'fused', 0);
    fused.seen.forEach((g, k) => {
      const e = Object.values(exact.seen[k]!);
      Object.values(g).forEach((t, i) => expectClose(t, e[i]!, 1e-5, `source ${k} variable ${i}`));
    });
    a.dispose();
    b.dispose();
  });
});
