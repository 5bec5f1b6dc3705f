// Times uvs().weights(G, K) on random Gram matrices: microseconds per call for K = 2, 4, 8, 16.
// Run after a build: `pnpm --filter @cs-dfd/uvs run bench` (node bench/weights.bench.js).
import os from 'node:os';
import { uvs } from '../dist/index.js';

function randomGram(K, P, seed) {
  let s = seed >>> 0;
  const rnd = () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
  // sources share a common component so some pairs conflict and some agree, as in training
  const common = Array.from({ length: P }, rnd);
  const rows = Array.from({ length: K }, () => common.map((v) => 0.3 * v + rnd()));
  const G = new Float64Array(K * K);
  for (let i = 0; i < K; i++)
    for (let j = 0; j < K; j++) G[i * K + j] = rows[i].reduce((a, v, p) => a + v * rows[j][p], 0);
  return G;
}

console.log(
  `node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown cpu'} x${os.cpus().length}, ${os.platform()} ${os.arch()}`,
);
const method = uvs({ c: 0.5 });
for (const K of [2, 4, 8, 16]) {
  const problems = Array.from({ length: 64 }, (_, i) => randomGram(K, 64, 1 + i));
  for (let i = 0; i < 200; i++) method.weights(problems[i % 64], K); // warm-up
  const calls = K <= 4 ? 20000 : K <= 8 ? 4000 : 1000;
  const t0 = process.hrtime.bigint();
  let sink = 0;
  for (let i = 0; i < calls; i++) sink += method.weights(problems[i % 64], K)[0];
  const us = Number(process.hrtime.bigint() - t0) / 1e3 / calls;
  const iters = problems.map((G) => method.solve(G, K).info.iterations);
  console.log(
    `K = ${String(K).padStart(2)}: ${us.toFixed(2).padStart(9)} µs per call (${calls} calls, solver projections per call: mean ${(iters.reduce((a, b) => a + b, 0) / iters.length).toFixed(1)}, max ${Math.max(...iters)})${Number.isFinite(sink) ? '' : ' !'}`,
  );
}
