// The pool runs the compiled worker (dist/pool-worker.js): Node 20 workers cannot load the TypeScript sources.
// buildDistIfStale() rebuilds dist when it is missing or older than src, so the worker runs the code under test.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defaultWorkerScript } from '../src/index.js';

const pkg = fileURLToPath(new URL('..', import.meta.url));

/** Runs `tsc -p tsconfig.build.json` when `dist/pool-worker.js` is missing or older than a file in `src/`. */
export function buildDistIfStale(): void {
  const worker = fileURLToPath(defaultWorkerScript());
  const newestSrc = Math.max(...readdirSync(`${pkg}/src`).map((f) => statSync(`${pkg}/src/${f}`).mtimeMs));
  if (!existsSync(worker) || statSync(worker).mtimeMs < newestSrc) {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: pkg, stdio: 'inherit' });
  }
}
