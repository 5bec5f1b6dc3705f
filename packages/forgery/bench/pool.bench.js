// SynthesisPool throughput at 256×256: in-process (size 0) and 1, 2 workers, interleaved over rounds so that all
// see the same machine load. Run after a build: `node packages/forgery/bench/pool.bench.js`.
// Each round synthesises N samples with per-sample seeds; the pool's results are checked to equal in-process
// selfBlend for the first samples (the pool is only worth timing if it is right).
import os from 'node:os';
import { Rng } from '@cs-dfd/rng';
import * as F from '../dist/index.js';

const size = Number(process.env.SIZE ?? 256);
const rounds = Number(process.env.ROUNDS ?? 3);
const n = Number(process.env.N ?? 120);
const sizes = (process.env.WORKERS ?? '0,1,2').split(',').map(Number);
const faces = Array.from({ length: 16 }, (_, i) => F.syntheticFace(i, { size }));
const load = () =>
  os
    .loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');
console.log(
  `machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores (availableParallelism ${os.availableParallelism()}), load avg ${load()}`,
);
console.log(`node ${process.version}, ${size}x${size}, ${n} samples per round, best of ${rounds} rounds`);

const pools = new Map(sizes.map((s) => [s, new F.SynthesisPool({ size: s })]));
const job = (i) => ({ ...faces[i % 16], seed: 7919 * i + 1, id: i });
for (const [s, pool] of pools) {
  const outs = await Promise.all(Array.from({ length: 8 }, (_, i) => pool.run(job(i))));
  outs.forEach((o, i) => {
    const want = F.selfBlend(faces[i % 16].image, faces[i % 16].landmarks, new Rng(7919 * i + 1));
    if (!Buffer.from(o.fake.data).equals(Buffer.from(want.fake.data)))
      throw new Error(`pool ${s}: sample ${i} differs`);
  });
}
// Wall time is the throughput a trainer sees; the process's CPU time (all threads) shows what each image costs
// in core time, including the pool's messaging, and is less disturbed by other load on the machine.
const best = new Map(
  sizes.map((s) => [s, { wall: Number.POSITIVE_INFINITY, cpu: Number.POSITIVE_INFINITY }]),
);
for (let r = 0; r < rounds; r++) {
  for (const [s, pool] of pools) {
    const t = performance.now();
    const c = process.cpuUsage();
    await Promise.all(Array.from({ length: n }, (_, i) => pool.run(job(i))));
    const d = process.cpuUsage(c);
    const b = best.get(s);
    b.wall = Math.min(b.wall, (performance.now() - t) / 1000);
    b.cpu = Math.min(b.cpu, (d.user + d.system) / 1e6);
  }
}
for (const [s, { wall, cpu }] of best)
  console.log(
    `${s === 0 ? 'in-process (size 0)' : `${s} worker${s > 1 ? 's' : ''}`}`.padEnd(22) +
      `${(n / wall).toFixed(1).padStart(6)} images/s wall (${((1000 * wall) / n).toFixed(2)} ms/image), ` +
      `${((1000 * cpu) / n).toFixed(2)} CPU ms/image (all threads)`,
  );
await Promise.all([...pools.values()].map((p) => p.close()));
console.log(`load avg at the end ${load()}`);
