#!/usr/bin/env node
/** `cs-dfd-forge`: command-line access to the forgery synthesis. */
import { writeFile } from 'node:fs/promises';
import { Command, InvalidArgumentError } from 'commander';
import { ForgeryError } from './errors.js';
import { encodePng } from './io.js';
import { previewGrid, readFaceFolder } from './preview.js';

const int = (name: string, min: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min)
    throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got ${v}`);
  return n;
};

const program = new Command()
  .name('cs-dfd-forge')
  .description(
    'Online forgery synthesis for deepfake detection: Self-Blended Images and artifact transforms',
  );

program
  .command('preview')
  .description('write a PNG grid with one row per face: real | SBI blend mask | SBI fake')
  .requiredOption('--out <file.png>', 'output PNG path')
  .option('--n <count>', 'number of faces (rows)', int('--n', 1), 6)
  .option('--seed <seed>', 'random seed', int('--seed', 0), 0)
  .option('--size <px>', 'side of the synthetic faces', int('--size', 32), 256)
  .option('--input <dir>', 'use faces from DIR (images with <name>.json landmarks) instead of synthetic ones')
  .option(
    '--artifacts',
    'add checkerboard, spectral-peak, double-JPEG (inside the blend mask) and blended face swap columns',
    false,
  )
  .action(
    async (o: { out: string; n: number; seed: number; size: number; input?: string; artifacts: boolean }) => {
      const faces = o.input ? await readFaceFolder(o.input) : undefined;
      const grid = await previewGrid({
        n: o.n,
        seed: o.seed,
        size: o.size,
        artifacts: o.artifacts,
        ...(faces ? { faces } : {}),
      });
      await writeFile(o.out, await encodePng(grid));
      console.log(`wrote ${o.out} (${grid.width}x${grid.height}, ${o.n} faces, seed ${o.seed})`);
    },
  );

program.parseAsync().catch((err: unknown) => {
  console.error(err instanceof ForgeryError ? `cs-dfd-forge: ${err.message}` : err);
  process.exit(1);
});
