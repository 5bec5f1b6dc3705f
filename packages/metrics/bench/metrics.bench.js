// Throughput of the sort-based metrics (run after `pnpm build`): node bench/metrics.bench.js
import os from 'node:os';
import { auc, averagePrecision, bootstrapCI, eer } from '../dist/index.js';

console.log(`machine: ${os.cpus()[0]?.model} x${os.cpus().length}, node ${process.version}`);
for (const n of [1e4, 1e5, 1e6]) {
  const y = new Uint8Array(n);
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 2;
    s[i] = Math.round((Math.random() + 0.3 * y[i]) * 1000) / 1000; // rounded: many ties
  }
  for (const [name, f] of [
    ['auc', () => auc(y, s)],
    ['averagePrecision', () => averagePrecision(y, s)],
    ['eer', () => eer(y, s)],
  ]) {
    const t0 = performance.now();
    f();
    console.log(`${name.padEnd(17)} n=${n.toExponential(0)}  ${(performance.now() - t0).toFixed(1)} ms`);
  }
}
const y = Uint8Array.from({ length: 2000 }, (_, i) => i % 2);
const s = Float64Array.from(y, (v) => Math.random() + 0.5 * v);
const t0 = performance.now();
bootstrapCI(y, s, (a, b) => auc(a, b), { resamples: 1000 });
console.log(`bootstrapCI(auc) n=2000, 1000 resamples  ${(performance.now() - t0).toFixed(0)} ms`);
