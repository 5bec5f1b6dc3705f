// The tiny training run of @cs-dfd/test-utils/training, and the built command line the CLI tests run.
import { execFileSync } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TRAIN_TEST_CACHE as CACHE, TINY_FACEWORLD, tinyTrainInput } from '@cs-dfd/test-utils/training';
import { applyOverrides } from '@cs-dfd/training';

export { CACHE, TINY_FACEWORLD };

/** The raw tiny config (before validation); `sets` are `--set` style overrides. */
export function tinyRaw(sets: string[] = []): Record<string, unknown> {
  return applyOverrides(tinyTrainInput(), sets);
}

const APP = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The built command line. */
export const CLI = join(APP, 'dist', 'cli.js');

/** Rebuilds a project's dist/ when one of its sources is newer than `marker` (a file of that dist). */
async function rebuild(project: string, marker: string): Promise<void> {
  const built = await stat(marker).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  const sources = await readdir(join(project, 'src'), { recursive: true });
  const times = await Promise.all(sources.map((f) => stat(join(project, 'src', f)).then((s) => s.mtimeMs)));
  if (Math.max(...times) > built) {
    const tsc = join(APP, '../../node_modules/typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-p', join(project, 'tsconfig.build.json')], { stdio: 'inherit' });
  }
}

/**
 * Rebuilds @cs-dfd/training's dist/ (which the CLI runs) and then the CLI when a source is newer than its build
 * (CI's build step has usually just done both).
 */
export async function ensureBuilt(): Promise<void> {
  const training = join(APP, '../../packages/training');
  await rebuild(training, join(training, 'dist', 'index.js'));
  await rebuild(APP, CLI);
}
