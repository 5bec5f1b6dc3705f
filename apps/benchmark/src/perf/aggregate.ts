/**
 * Aggregation throughput (DESIGN §3.1): the P-sized work of every step — build G in one fused pass, solve for the
 * weights in K×K space, combine d = Σ w_i g_i — on the tensor backend, for K tasks and P parameters.
 */
import { makeAggregator } from '@cs-dfd/aggregators';
import { initBackend } from '@cs-dfd/backend';
import { isVectorAggregator } from '@cs-dfd/gramian';
import { combineTensors, disposeMaps, gramOfTensors } from '@cs-dfd/gramian/tfjs';
import * as tf from '@tensorflow/tfjs-core';
import { machineLine, summarize } from './machine.js';

/** One measured configuration. */
export interface AggregateRow {
  backend: string;
  method: string;
  K: number;
  P: number;
  gram_ms: number;
  weights_ms: number;
  combine_ms: number;
  total_ms: number;
  /** Parameters aggregated per second, in millions (K gradients of P each). */
  mparams_per_s: number;
}

/** Options of the suite. */
export interface AggregateSuiteOptions {
  Ks?: readonly number[];
  Ps?: readonly number[];
  method?: string;
  repeats?: number;
  backend?: string;
  log?: (line: string) => void;
}

// A model-like split of P parameters into tensors of mixed sizes (a few big conv/dense kernels, many small ones).
function parameterShapes(P: number): number[][] {
  const big = Math.floor(P * 0.3);
  const mid = Math.floor(P * 0.15);
  const shapes = [[big], [big], [mid], [mid]];
  let rest = P - 2 * big - 2 * mid;
  while (rest > 0) {
    const n = Math.min(rest, 512);
    shapes.push([n]);
    rest -= n;
  }
  return shapes;
}

/** Times G, weights and combine for each (K, P); median of `repeats` after one warm-up. */
export async function aggregateSuite(
  options: AggregateSuiteOptions = {},
): Promise<{ machine: string; rows: AggregateRow[] }> {
  const choice = await initBackend(
    options.backend === undefined ? {} : { backend: options.backend as never },
  );
  const machine = machineLine(`${choice.name} (${choice.reason})`);
  const log = options.log ?? (() => {});
  log(machine);
  const method = options.method ?? 'uvs';
  const rows: AggregateRow[] = [];
  for (const P of options.Ps ?? [1e5, 1e6, 1e7]) {
    for (const K of options.Ks ?? [2, 4, 8]) {
      const shapes = parameterShapes(P);
      const grads = Array.from({ length: K }, () => {
        const m: tf.NamedTensorMap = {};
        shapes.forEach((s, i) => {
          m[`p${i}`] = tf.randomNormal(s);
        });
        return m;
      });
      const agg = makeAggregator(method);
      if (isVectorAggregator(agg))
        throw new Error(`${method} is vector-level; the suite times Gram-space methods`);
      const times = { gram: [] as number[], weights: [] as number[], combine: [] as number[] };
      const repeats = options.repeats ?? 5;
      for (let r = 0; r <= repeats; r++) {
        const t0 = performance.now();
        const G = gramOfTensors(grads);
        const t1 = performance.now();
        const w = agg.weights(G, K);
        const t2 = performance.now();
        const d = combineTensors(grads, w);
        await Promise.all(Object.values(d).map((t) => t.data())); // wait for the backend to finish
        const t3 = performance.now();
        disposeMaps(d);
        if (r === 0) continue; // warm-up
        times.gram.push(t1 - t0);
        times.weights.push(t2 - t1);
        times.combine.push(t3 - t2);
      }
      disposeMaps(...grads);
      const gram = summarize(times.gram).median;
      const weights = summarize(times.weights).median;
      const combine = summarize(times.combine).median;
      const total = gram + weights + combine;
      const row: AggregateRow = {
        backend: choice.name,
        method,
        K,
        P,
        gram_ms: gram,
        weights_ms: weights,
        combine_ms: combine,
        total_ms: total,
        mparams_per_s: (K * P) / (total / 1000) / 1e6,
      };
      rows.push(row);
      log(
        `K=${K} P=${P.toExponential(0)}: G ${gram.toFixed(2)} ms, weights ${weights.toFixed(3)} ms, combine ${combine.toFixed(2)} ms`,
      );
    }
  }
  return { machine, rows };
}
