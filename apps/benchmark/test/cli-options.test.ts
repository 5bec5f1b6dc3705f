// Every subcommand of the built `cs-dfd-bench` rejects bad option values before doing any work: exit 1, one
// message naming the option and the value, no stack trace. Runs dist/cli.js (built by `pnpm build` / test:all).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../src/program.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

interface Case {
  args: string[];
  /** Substrings the error output must contain (the option and the value at least). */
  says: string[];
}

const cases: Case[] = [
  { args: ['toy', '--methods', 'uvs,nosuch'], says: ['--methods', 'unknown method "nosuch"', 'pcgrad'] },
  { args: ['toy', '--steps', '0'], says: ['--steps', '"0"'] },
  { args: ['toy', '--lr', 'abc'], says: ['--lr', 'abc'] },
  { args: ['toy', '--lr', '-1'], says: ['--lr', '-1'] },
  { args: ['aggregate', '--ks', 'abc'], says: ['--ks', 'abc', 'positive integer'] },
  { args: ['aggregate', '--ks', '2,2'], says: ['--ks', '"2" is listed twice'] },
  { args: ['aggregate', '--ps', 'abc'], says: ['--ps', 'abc'] },
  { args: ['aggregate', '--ps', '1e5,0.5'], says: ['--ps', '0.5'] },
  { args: ['aggregate', '--method', 'nosuch'], says: ['--method', 'nosuch', 'uvs'] },
  { args: ['aggregate', '--method', 'graddrop'], says: ['--method', 'graddrop', 'Gram-space'] },
  { args: ['aggregate', '--repeats', '1.5'], says: ['--repeats', '1.5'] },
  { args: ['aggregate', '--backend', 'tpu'], says: ['--backend', 'tpu', 'wasm'] },
  { args: ['step', '--steps', 'x'], says: ['--steps', '"x"'] },
  { args: ['step', '--cpu-steps', '-1'], says: ['--cpu-steps', '-1'] },
  { args: ['step', '--method', 'nosuch'], says: ['--method', 'nosuch'] },
  { args: ['multimnist', '--methods', 'nosuch'], says: ['--methods', 'nosuch'] },
  { args: ['multimnist', '--seeds', 'a'], says: ['--seeds', '"a"'] },
  { args: ['multimnist', '--train', '0'], says: ['--train', '"0"'] },
  { args: ['multimnist', '--test', 'many'], says: ['--test', 'many'] },
  { args: ['multimnist', '--epochs', '-2'], says: ['--epochs', '-2'] },
  { args: ['multimnist', '--batch', '1.5'], says: ['--batch', '1.5'] },
  { args: ['multimnist', '--lr', '0'], says: ['--lr', '"0"'] },
  { args: ['multimnist', '--backend', 'gpu'], says: ['--backend', 'gpu'] },
  { args: ['methods', '--methods', 'joint,nosuch'], says: ['--methods', 'nosuch'] },
  { args: ['methods', '--steps', '0'], says: ['--steps', '"0"'] },
  { args: ['torch-peer', '--methods', 'uvs,pcgrad'], says: ['--methods', '"pcgrad"'] },
  { args: ['torch-peer', '--rounds', '0'], says: ['--rounds', '"0"'] },
  { args: ['methods', '--warmup', 'x'], says: ['--warmup', '"x"'] },
  { args: ['methods', '--round', '0'], says: ['--round', '"0"'] },
  { args: ['methods', '--backend', 'tpu'], says: ['--backend', 'tpu'] },
  { args: ['synthesis', '--size', '0'], says: ['--size', '"0"'] },
  { args: ['synthesis', '--samples', 'x'], says: ['--samples', '"x"'] },
  { args: ['synthesis', '--warmup', '-1'], says: ['--warmup', '-1'] },
  { args: ['synthesis', '--workers', '0'], says: ['--workers', '"0"'] },
  { args: ['synthesis', '--methods', 'nosuch+cgr'], says: ['--methods', 'nosuch'] },
  { args: ['synthesis', '--steps', 'x'], says: ['--steps', '"x"'] },
  { args: ['grid', '--out', 'unused', '--seeds', '0'], says: ['--seeds', '"0"'] },
  { args: ['grid', '--out', 'unused', '--protocol', 'nosuch'], says: ['--protocol', 'nosuch'] },
  { args: ['grid', '--out', 'unused', '--progress', 'loud'], says: ['--progress', 'loud'] },
  { args: ['grid', '--out', 'unused', '--jobs', '0'], says: ['--jobs', '"0"'] },
  { args: ['grid', '--out', 'unused', '--jobs', 'two'], says: ['--jobs', '"two"'] },
];

function run(args: string[]): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : (error.code as number | null), stdout, stderr });
    });
  });
}

/** Parses `args` in-process: commander's usage error (code, exit code) and what it printed. */
async function parseError(args: string[]): Promise<{ exitCode: number; printed: string }> {
  let printed = '';
  const program = buildProgram({ exitOverride: true, writeErr: (s) => (printed += s) });
  // An accepted command must not start its work (a benchmark); this hook runs before any action.
  program.hook('preAction', () => {
    throw new Error(`cs-dfd-bench ${args.join(' ')} was accepted`);
  });
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return { exitCode: e.exitCode, printed };
    throw e;
  }
  throw new Error(`cs-dfd-bench ${args.join(' ')} was accepted`);
}

describe('cs-dfd-bench rejects bad option values', () => {
  it.each(cases)('$args: usage error naming the option and the value', async ({ args, says }) => {
    const { exitCode, printed } = await parseError(args);
    expect(exitCode).toBe(1);
    for (const s of says) expect(printed).toContain(s);
  });

  // The built CLI, once per subcommand (a process costs ~2 s of CPU): exit 1, nothing on stdout, no stack trace.
  it('the built CLI exits 1 with one message and no stack trace, for every subcommand', async () => {
    expect(existsSync(CLI), `${CLI} missing: run \`pnpm build\` first`).toBe(true);
    const firsts = [...new Map(cases.map((c) => [c.args[0], c])).values()];
    const results = await Promise.all(firsts.map(async (c) => ({ c, r: await run(c.args) })));
    for (const { c, r } of results) {
      const what = `cs-dfd-bench ${c.args.join(' ')}\n${r.stderr}`;
      expect(r.code, what).toBe(1);
      for (const s of c.says) expect(r.stderr, what).toContain(s);
      expect(r.stderr, what).not.toMatch(/\n\s+at /);
      expect(r.stdout, what).toBe('');
    }
  }, 240_000);
});
