// The pool runs the compiled worker (dist/pool-worker.js, rebuilt by beforeAll when stale); the in-process
// reference below is the TypeScript source itself.
import { Rng } from '@cs-dfd/rng';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ForgeryError,
  type Landmarks,
  SynthesisPool,
  SynthesisPoolError,
  selfBlend,
  syntheticFace,
} from '../src/index.js';
import { buildDistIfStale } from './build-dist.js';

// One pool for the tests that do not close it themselves (worker start-up dominates their time).
let shared: SynthesisPool;
beforeAll(() => {
  buildDistIfStale();
  shared = new SynthesisPool({ size: 2 });
}, 60_000);
afterAll(() => shared?.close());

const faces = Array.from({ length: 3 }, (_, i) => syntheticFace(i, { size: 64 }));
const stepped = new Rng(99);
for (let i = 0; i < 17; i++) stepped.next();
// Plain seeds and one generator state taken mid-stream.
const seeds = [3, 11, 12, 2 ** 40 + 5, stepped.state(), 0];
const bytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('SynthesisPool', () => {
  it.each([0, 1, 2])(
    'size %i: each sample equals in-process selfBlend with its seed, byte for byte',
    async (size) => {
      const pool = new SynthesisPool({ size });
      try {
        const outs = await Promise.all(
          seeds.map((seed, i) => pool.run({ ...faces[i % 3]!, seed, id: `sample-${i}` })),
        );
        seeds.forEach((seed, i) => {
          const f = faces[i % 3]!;
          const want = selfBlend(f.image, f.landmarks, new Rng(seed));
          expect(bytes(outs[i]!.fake.data).equals(bytes(want.fake.data))).toBe(true);
          expect(bytes(outs[i]!.mask.data).equals(bytes(want.mask.data))).toBe(true);
          expect(outs[i]!.params).toEqual(JSON.parse(JSON.stringify(want.params)));
        });
        // The pool's answers differ between samples (the test can fail on a pool that ignores the seed).
        expect(bytes(outs[0]!.fake.data).equals(bytes(outs[3]!.fake.data))).toBe(false);
      } finally {
        await pool.close();
      }
    },
  );

  it('close() ends every worker (each emits exit) and later runs reject', async () => {
    const pool = new SynthesisPool({ size: 2 });
    expect(pool.threads).toHaveLength(2);
    const exits = pool.threads.map((t) => new Promise<number>((resolve) => t.once('exit', resolve)));
    await pool.run({ ...faces[0]!, seed: 1 });
    expect(pool.liveWorkers).toBe(2);
    await pool.close();
    expect(await Promise.all(exits)).toHaveLength(2);
    expect(pool.liveWorkers).toBe(0);
    await expect(pool.run({ ...faces[0]!, seed: 1, id: 'late' })).rejects.toThrow(
      /sample late: the pool is closed/,
    );
  });

  it('a worker error is re-thrown with the sample identity and the ForgeryError fields; other samples succeed', async () => {
    const pool = shared;
    const bad: Landmarks = faces[1]!.landmarks.map((p, j) => (j === 30 ? [500, p[1]] : p));
    const results = await Promise.allSettled([
      pool.run({ ...faces[0]!, seed: 1, id: 'video7/frame3' }),
      pool.run({ image: faces[1]!.image, landmarks: bad, seed: 2, id: 'video9/frame0' }),
      pool.run({ ...faces[2]!, seed: 3 }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const e = (results[1] as PromiseRejectedResult).reason as SynthesisPoolError;
    expect(e).toBeInstanceOf(SynthesisPoolError);
    expect(e.sample).toBe('video9/frame0');
    expect(e.message).toContain('sample video9/frame0');
    expect(e.message).toContain('landmarks[30][0] = 500');
    expect(e.cause).toBeInstanceOf(ForgeryError);
    expect((e.cause as ForgeryError).code).toBe('landmarks.outside');
    expect((e.cause as ForgeryError).field).toBe('landmarks[30][0]');
    // Without an id, the seed names the sample.
    await expect(pool.run({ image: faces[1]!.image, landmarks: bad, seed: 42 })).rejects.toThrow(
      /sample seed 42:/,
    );
  });

  it('transferImage moves the caller buffer (detached afterwards); the default copies it', async () => {
    const pool = shared;
    const f = faces[0]!;
    const mine = { width: 64, height: 64, data: Uint8Array.from(f.image.data) };
    const out = await pool.run({ image: mine, landmarks: f.landmarks, seed: 5, transferImage: true });
    expect(mine.data.byteLength).toBe(0);
    expect(bytes(out.fake.data).equals(bytes(selfBlend(f.image, f.landmarks, new Rng(5)).fake.data))).toBe(
      true,
    );
    const kept = Uint8Array.from(f.image.data);
    await pool.run({ image: { width: 64, height: 64, data: kept }, landmarks: f.landmarks, seed: 5 });
    expect(bytes(kept).equals(bytes(f.image.data))).toBe(true);
  });

  it("synthesizer() is the data loader's hook: the fake of selfBlend(face, rng) for the rng's current state", async () => {
    const pool = shared;
    const rng = new Rng(7);
    rng.next();
    const got = await pool.synthesizer()(faces[2]!, rng);
    const want = selfBlend(faces[2]!.image, faces[2]!.landmarks, rng).fake;
    expect(bytes(got.data).equals(bytes(want.data))).toBe(true);
  });

  it('a worker that dies fails its samples by name and is replaced', async () => {
    const pool = new SynthesisPool({
      size: 1,
      workerScript: new URL('./fixtures/crash-worker.mjs', import.meta.url),
    });
    try {
      const first = pool.threads[0]!;
      await expect(pool.run({ ...faces[0]!, seed: 1, id: 'doomed' })).rejects.toThrow(
        /sample doomed: its worker failed: boom in worker/,
      );
      expect(pool.threads).toHaveLength(1);
      expect(pool.threads[0]).not.toBe(first);
    } finally {
      await pool.close();
    }
    expect(pool.liveWorkers).toBe(0);
  });

  it('refuses a bad size with a typed error', () => {
    for (const size of [-1, 1.5, Number.NaN]) {
      expect(() => new SynthesisPool({ size })).toThrow(ForgeryError);
      expect(() => new SynthesisPool({ size })).toThrow(/options.size/);
    }
  });
});
