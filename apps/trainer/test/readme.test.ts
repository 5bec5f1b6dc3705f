// The README's library example, run verbatim as a program of its own (it imports the built package by name).
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, expect, it } from 'vitest';
import { ensureBuilt } from './fixture.js';

const APP = join(dirname(fileURLToPath(import.meta.url)), '..');

beforeAll(ensureBuilt);

it('the README library example runs and prints what the README says', async () => {
  const readme = await readFile(join(APP, 'README.md'), 'utf8');
  const block = /<!-- example:library -->\n```js\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(block).toBeDefined();
  const printed = /^prints `([^`]+)`/m.exec(readme)?.[1];
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', block!], {
    cwd: APP,
  });
  expect(stdout.trim()).toBe(printed);
});
