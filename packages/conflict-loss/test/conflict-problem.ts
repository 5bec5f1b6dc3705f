/**
 * A small two-source problem whose sources conflict: both share a weak label cue (x0), and each has a strong cue
 * of its own on the same input (x1) with opposite signs — like original and synthesized forgeries whose artifacts
 * disagree. Fitting each source's strong cue pulls the shared model in opposite directions.
 */
import { mean } from '@cs-dfd/gramian';
import { Rng } from '@cs-dfd/rng';
import * as tf from '@tensorflow/tfjs-core';
import { type CgrOptions, cgrStep } from '../src/index.js';
import { tinyModel } from './model.js';

export interface ConflictRun {
  /** Mean over the measured steps of cos(h_A, h_B), the head-gradient cosine (before each update). */
  headCosine: number;
  /** Mean over the measured steps of the cosine of the full shared gradients g_A, g_B (backbone + head). */
  fullCosine: number;
}

/** Trains `steps` steps and averages the cosines over the last `measure` of them. */
export function trainConflicting(seed: number, cgr: CgrOptions, steps = 120, measure = 40): ConflictRun {
  const rng = new Rng(seed);
  const perSource = 16;
  const m = tinyModel(seed, { input: 4, hidden: 8, P: 4 });
  const optimizer = tf.train.adam(0.03);
  const sample = (sign: number) => {
    const y = rng.bernoulli() ? 1 : 0;
    const t = 2 * y - 1;
    return {
      x: [0.5 * t + rng.normal(0, 1), sign * 1.5 * t + rng.normal(0, 0.5), rng.normal(), rng.normal()],
      y,
    };
  };
  let head = 0;
  let full = 0;
  for (let step = 0; step < steps; step++) {
    const rows = [
      ...Array.from({ length: perSource }, () => sample(1)),
      ...Array.from({ length: perSource }, () => sample(-1)),
    ];
    const input = tf.tensor2d(rows.map((r) => r.x));
    const r = cgrStep({
      backbone: m.backbone,
      input,
      head: m.head,
      labels: rows.map((r) => r.y),
      sources: [
        { name: 'A', rows: Array.from({ length: perSource }, (_, i) => i) },
        { name: 'B', rows: Array.from({ length: perSource }, (_, i) => perSource + i) },
      ],
      aggregator: mean(),
      optimizer,
      onNonFinite: 'throw',
      cgr,
    });
    input.dispose();
    if (step >= steps - measure && !r.skipped) {
      head += r.cgr.meanCosine / measure;
      full += r.diagnostics.cosines[1]! / measure;
    }
  }
  optimizer.dispose();
  m.dispose();
  return { headCosine: head, fullCosine: full };
}
