#!/usr/bin/env node
// `pnpm mutate [--filter <package>]... [--mutate <file>] [--concurrency <n>] [--incremental] [--ci]`
//
// Runs StrykerJS once per package (working directory packages/<name>, shared config ./stryker.config.mjs), lowest
// priority (nice 10). Reports: reports/mutation/<name>/{index.html,mutation.json}. Exits non-zero when a package
// scores under its floor (./targets.mjs) or Stryker fails.
//
// --incremental: reuse the committed state tooling/stryker/incremental/<name>.json (Stryker retests only mutants
//   whose code or covering tests changed) and rewrite it; commit the rewritten file.
// --ci: --incremental, and a package whose src/ and test/ files are byte-identical to those recorded in its
//   state file is not run at all (its recorded score is checked against the floor instead); a package without a
//   state file is listed as not measured and skipped (a full run belongs on a developer machine, not in CI).

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mutatedFiles, targets } from './targets.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const stryker = join(root, 'node_modules/.bin/stryker');

function parseArgs(argv) {
  const opts = { filters: [], mutate: undefined, concurrency: undefined, incremental: false, ci: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`mutate: ${a} needs a value`);
      return v;
    };
    if (a === '--filter') opts.filters.push(value().replace(/^@cs-dfd\//, ''));
    else if (a === '--mutate') opts.mutate = value();
    else if (a === '--concurrency') opts.concurrency = value();
    else if (a === '--incremental') opts.incremental = true;
    else if (a === '--ci') opts.ci = opts.incremental = true;
    else if (a === '--') continue;
    else
      throw new Error(
        `mutate: unknown argument "${a}" (known: --filter, --mutate, --concurrency, --incremental, --ci)`,
      );
  }
  for (const f of opts.filters) {
    if (!(f in targets))
      throw new Error(`mutate: no mutation target for "${f}"; known: ${Object.keys(targets).join(', ')}`);
  }
  return opts;
}

const listFiles = (dir) =>
  existsSync(dir)
    ? readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => join(e.parentPath, e.name))
    : [];

/** The score recorded in a state file, when every src/ and test/ file of the package is unchanged since. */
function unchangedScore(pkgDir, stateFile) {
  const state = JSON.parse(readFileSync(stateFile, 'utf8'));
  const recorded = { ...state.files, ...state.testFiles };
  const current = [...listFiles(join(pkgDir, 'src')), ...listFiles(join(pkgDir, 'test'))].filter((f) =>
    f.endsWith('.ts'),
  );
  const rel = (f) => relative(pkgDir, f);
  const mutated = Object.keys(state.files ?? {});
  const toMutate = new Set(mutatedFiles(pkgDir));
  for (const f of current) {
    const entry = recorded[rel(f)];
    const isMutated = toMutate.has(rel(f));
    if (entry === undefined) {
      if (isMutated || rel(f).startsWith('test/')) return undefined;
      continue;
    }
    if (entry.source !== readFileSync(f, 'utf8')) return undefined;
  }
  if (mutated.some((f) => !existsSync(join(pkgDir, f)))) return undefined;
  let detected = 0;
  let valid = 0;
  for (const f of mutated) {
    for (const m of state.files[f].mutants) {
      if (m.status === 'Killed' || m.status === 'Timeout') detected++;
      if (m.status !== 'CompileError' && m.status !== 'RuntimeError' && m.status !== 'Ignored') valid++;
    }
  }
  return valid === 0 ? 100 : (100 * detected) / valid;
}

let opts;
try {
  opts = parseArgs(process.argv.slice(2));
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(2);
}
const packages = opts.filters.length > 0 ? opts.filters : Object.keys(targets);
const failed = [];
for (const pkg of packages) {
  const pkgDir = join(root, 'packages', pkg);
  const stateFile = join(here, 'incremental', `${pkg}.json`);
  if (opts.ci) {
    if (!existsSync(stateFile)) {
      // Not measured yet: a full run of it does not fit CI's budget. Listed, so the gap stays visible.
      console.warn(
        `mutate: ${pkg} has no committed state ${relative(root, stateFile)} (not measured); run \`pnpm mutate --filter ${pkg} --incremental\` and commit it`,
      );
      continue;
    }
    const score = unchangedScore(pkgDir, stateFile);
    if (score !== undefined) {
      const ok = score >= targets[pkg];
      console.log(
        `mutate: ${pkg} unchanged since its state file: ${score.toFixed(2)}% (floor ${targets[pkg]}%)${ok ? '' : ' FAIL'}`,
      );
      if (!ok) failed.push(pkg);
      continue;
    }
  }
  const args = ['-n', '10', stryker, 'run', join(here, 'stryker.config.mjs')];
  if (opts.mutate) args.push('--mutate', opts.mutate);
  if (opts.concurrency) args.push('--concurrency', opts.concurrency);
  if (opts.incremental) args.push('--incremental');
  if (opts.ci) args.push('--reporters', 'json,html,clear-text');
  console.log(`mutate: ${pkg}: nice ${args.join(' ')}`);
  const run = spawnSync('nice', args, { cwd: pkgDir, stdio: 'inherit' });
  if (run.status !== 0) failed.push(pkg);
}
if (failed.length > 0) {
  console.error(`mutate: under the floor or failed: ${failed.join(', ')}`);
  process.exit(1);
}
