// example:start
import { initBackend } from '@cs-dfd/backend';
import { type CgrDiagnostics, cgrStep, conflictDescentLoss, standardHead } from '@cs-dfd/conflict-loss';
import { uvs } from '@cs-dfd/uvs';
import * as tf from '@tensorflow/tfjs-core';

await initBackend({ backend: 'cpu' }); // or let it choose (wasm when no native backend is installed)

// backbone: x [N, 4] -> f [N, 8]; head: u = W_p f + b_p, z = softplus(u), s = vᵀz + b (DESIGN §6)
const W1 = tf.variable(tf.randomNormal([4, 8], 0, 0.5, 'float32', 1));
const backbone = { variables: [W1], apply: (x: tf.Tensor) => tf.tanh(tf.matMul(x as tf.Tensor2D, W1)) };
const head = standardHead(
  {
    Wp: tf.variable(tf.randomNormal([4, 8], 0, 0.35, 'float32', 2)),
    bp: tf.variable(tf.zeros([4])),
    v: tf.variable(tf.randomNormal([4], 0, 0.5, 'float32', 3)),
    b: tf.variable(tf.scalar(0)),
  },
  'softplus',
);

// one batch of 12 rows: 8 from the original forgeries (and reals), 4 synthesized; unequal sizes are fine
const input = tf.randomNormal([12, 4], 0, 1, 'float32', 4);
const labels = [1, 0, 1, 0, 1, 0, 1, 0, 1, 1, 0, 0];
const sources = [
  { name: 'original', rows: [0, 1, 2, 3, 4, 5, 6, 7] },
  { name: 'synthetic', rows: [8, 9, 10, 11] },
];

// L_cd on its own: a differentiable function of the features and the head
const features = backbone.apply(input) as tf.Tensor2D;
const batch = { labels, sources: sources.map((s) => s.rows) };
const { loss, cosines } = conflictDescentLoss(head, features, batch, { rho: 'linear' });
console.log(
  `L_cd ${loss.dataSync()[0]!.toFixed(4)}, cos(h_orig, h_syn) ${cosines.arraySync()[0]![1]!.toFixed(4)}`,
);

// training: d = UVS(g_original, g_synthetic) + λ∇L_cd, applied by Adam
const optimizer = tf.train.adam(0.01);
const log: CgrDiagnostics[] = [];
for (let step = 0; step < 3; step++) {
  const r = cgrStep({
    ...{ backbone, input, head, labels, sources },
    aggregator: uvs({ c: 0.5 }),
    optimizer,
    cgr: { weight: 0.1, mode: 'exact', rho: 'linear' }, // linear: (1 - cos)/2, nonzero here
  });
  if (r.skipped) throw new Error(r.reason);
  log.push(r.cgr);
  console.log(
    `step ${step}: BCE ${r.losses.map((l) => l.toFixed(3)).join(' ')}, L_cd ${r.cgr.loss.toFixed(4)}, ` +
      `cos(h_orig, h_syn) ${r.cgr.meanCosine.toFixed(4)}, cos(g_orig, g_syn) ${r.diagnostics.cosines[1]!.toFixed(4)}`,
  );
}

// example:end

import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

it('README example: L_cd and three UVS + CGR steps, each reporting ρ(cos) before its update', () => {
  expect(log).toHaveLength(3);
  expect(log[0]!.loss).toBeCloseTo(loss.dataSync()[0]!, 5); // the step reports L_cd before its update
  for (const d of log) expect(d.loss).toBeCloseTo((1 - d.meanCosine) / 2, 5); // linear ρ, K = 2
});

it('the README shows the example verbatim', () => {
  const source = readFileSync(new URL(import.meta.url), 'utf8');
  const body = source.slice(source.indexOf('// example:start') + 17, source.indexOf('// example:end')).trim();
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  expect(readme).toContain(body);
});
