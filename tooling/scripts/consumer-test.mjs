#!/usr/bin/env node
// The consumer test: what a user of the published packages gets. Packs every publishable package (pnpm pack), installs
// the tarballs into a fresh npm project under os.tmpdir() (outside the workspace: no workspace links, no hoisted
// devDependencies), then
//  1. checks each README's install line against what its examples import,
//  2. runs every README example verbatim (```js as is; ```ts type-checked by tsc --noEmit under
//     moduleResolution nodenext and bundler, then run with its types stripped),
//  3. bundles each browser-safe package's entry points with esbuild for the browser.
// Any missing dependency fails 1 or 2 (ERR_MODULE_NOT_FOUND) or 3 (unresolved import). Needs the npm registry.
// Examples: every ```js / ```ts block of packages/*/README.md with an `import ... from` line, except a block right
// after the line `<!-- consumer-test: skip -->` (an illustrative snippet). Run after `pnpm build`.
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SKIP_MARKER = '<!-- consumer-test: skip -->';
/** Packages whose main entry points must bundle for the browser (subpaths listed are Node-only by design). */
export const BROWSER_SAFE = {
  '@cs-dfd/gramian': [],
  '@cs-dfd/uvs': [],
  '@cs-dfd/cagrad': [],
  '@cs-dfd/pcgrad': [],
  '@cs-dfd/mgda': [],
  '@cs-dfd/imtl': [],
  '@cs-dfd/upgrad': [],
  '@cs-dfd/aligned-mtl': [],
  '@cs-dfd/nash-mtl': [],
  '@cs-dfd/graddrop': [],
  '@cs-dfd/gradvac': [],
  '@cs-dfd/aggregators': [],
  '@cs-dfd/multitask': ['./workers'],
  '@cs-dfd/rng': [],
};

/**
 * The examples of a README: `{ lang, code, line }` for each fenced js/ts block that imports something and is not
 * preceded by {@link SKIP_MARKER}.
 * @param {string} readme
 */
export function readmeExamples(readme) {
  const out = [];
  const lines = readme.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(js|ts|javascript|typescript)\s*$/.exec(lines[i] ?? '');
    if (!open) continue;
    const end = lines.indexOf('```', i + 1);
    if (end < 0) break;
    const code = `${lines.slice(i + 1, end).join('\n')}\n`;
    let prev = i - 1;
    while (prev >= 0 && lines[prev]?.trim() === '') prev--;
    const skipped = lines[prev]?.trim() === SKIP_MARKER;
    if (!skipped && /^\s*import\s[^;]*?from\s+['"][^'"]+['"]/m.test(code)) {
      out.push({ lang: open[1]?.startsWith('t') ? 'ts' : 'js', code, line: i + 1 });
    }
    i = end;
  }
  return out;
}

/**
 * The packages (not subpaths) an example imports: `@scope/name/sub` -> `@scope/name`; relative and `node:` skipped.
 * @param {string} code
 */
export function importedPackages(code) {
  const names = new Set();
  for (const m of code.matchAll(/^\s*import\s+(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm)) {
    const spec = m[1] ?? '';
    if (spec.startsWith('.') || spec.startsWith('node:') || spec.startsWith('/')) continue;
    const parts = spec.split('/');
    names.add(spec.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? spec));
  }
  return [...names].sort();
}

/**
 * The packages named by the README's install line (`pnpm add a b@1 ...`, `npm install ...`), without versions.
 * @param {string} readme
 */
export function installLinePackages(readme) {
  const names = new Set();
  for (const m of readme.matchAll(/^(?:pnpm add|npm install|npm i|yarn add)\s+([^\n#]+)/gm)) {
    for (const tok of (m[1] ?? '').trim().split(/\s+/)) {
      if (tok.startsWith('-')) continue;
      const at = tok.lastIndexOf('@');
      names.add(at > 0 ? tok.slice(0, at) : tok);
    }
  }
  return names;
}

/** What each README's install line lacks from what its examples import. */
export function missingFromInstallLine(/** @type {string} */ readme) {
  const listed = installLinePackages(readme);
  const wanted = new Set(readmeExamples(readme).flatMap((e) => importedPackages(e.code)));
  return [...wanted].filter((p) => !listed.has(p)).sort();
}

function sh(cmd, args, cwd, extra = {}) {
  return execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', ...extra });
}

function publishable() {
  return readdirSync(join(ROOT, 'packages'))
    .map((d) => join(ROOT, 'packages', d))
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
    .filter(({ pkg }) => !pkg.private);
}

/** The version range the workspace uses for an external package (devDependencies pin tfjs to 4.22.0). */
function workspaceVersion(name, packages) {
  for (const { pkg } of packages) {
    for (const field of ['devDependencies', 'dependencies', 'peerDependencies']) {
      const v = pkg[field]?.[name];
      if (typeof v === 'string' && !v.startsWith('workspace:')) return v;
    }
  }
  return 'latest';
}

function main() {
  const t0 = performance.now();
  const failures = [];
  const packages = publishable();
  const work = mkdtempSync(join(tmpdir(), 'cs-dfd-consumer-'));
  const tarballs = join(work, 'tarballs');
  mkdirSync(tarballs);
  const project = join(work, 'project');
  mkdirSync(project);
  console.log(`consumer test in ${work}`);

  // 1. install lines
  const examples = [];
  for (const { dir, pkg } of packages) {
    const readme = existsSync(join(dir, 'README.md')) ? readFileSync(join(dir, 'README.md'), 'utf8') : '';
    const missing = missingFromInstallLine(readme);
    if (missing.length > 0)
      failures.push(`${pkg.name}: README install line lacks ${missing.join(', ')} (imported by its example)`);
    readmeExamples(readme).forEach((e, i) =>
      examples.push({ ...e, pkg: pkg.name, file: `${pkg.name.replace(/\W/g, '_')}_${i}` }),
    );
  }

  // 2. pack and install
  for (const { dir } of packages)
    sh('npx', ['-y', 'pnpm@10.34.9', 'pack', '--pack-destination', tarballs], dir);
  const tgz = readdirSync(tarballs).map((f) => join(tarballs, f));
  const external = new Set(
    examples.flatMap((e) => importedPackages(e.code)).filter((p) => !p.startsWith('@cs-dfd/')),
  );
  const extras = [...external].map((p) => `${p}@${workspaceVersion(p, packages)}`);
  const tools = ['typescript@~5.9.3', 'esbuild@0.28.2', '@types/node@^20.19.0'];
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2)}\n`,
  );
  const t1 = performance.now();
  sh('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tgz, ...extras, ...tools], project);
  const installMs = performance.now() - t1;
  console.log(`installed ${tgz.length} tarballs + ${extras.join(' ')} in ${(installMs / 1000).toFixed(1)} s`);

  // 3. examples
  const tsFiles = [];
  for (const e of examples) {
    writeFileSync(join(project, `${e.file}.${e.lang === 'ts' ? 'mts' : 'mjs'}`), e.code);
    if (e.lang === 'ts') tsFiles.push(`${e.file}.mts`);
  }
  for (const resolution of ['nodenext', 'bundler']) {
    if (tsFiles.length === 0) break;
    const config = {
      compilerOptions: {
        target: 'ES2022',
        lib: ['ES2023', 'DOM'],
        module: resolution === 'nodenext' ? 'nodenext' : 'esnext',
        moduleResolution: resolution,
        strict: true,
        noEmit: true,
        // tfjs 4.22's own .d.ts need globals (Long, EmscriptenModule) a consumer does not have.
        skipLibCheck: true,
        types: ['node'],
      },
      files: tsFiles,
    };
    writeFileSync(join(project, `tsconfig.${resolution}.json`), JSON.stringify(config, null, 2));
    try {
      sh(join(project, 'node_modules/.bin/tsc'), ['-p', `tsconfig.${resolution}.json`], project);
    } catch (e) {
      failures.push(`tsc (moduleResolution ${resolution}):\n${e.stdout}${e.stderr}`);
    }
  }
  const esbuild = join(project, 'node_modules/.bin/esbuild');
  for (const e of examples) {
    let file = `${e.file}.mjs`;
    if (e.lang === 'ts') {
      sh(
        esbuild,
        [`${e.file}.mts`, '--format=esm', `--outfile=${e.file}.run.mjs`, '--log-level=error'],
        project,
      );
      file = `${e.file}.run.mjs`;
    }
    const started = performance.now();
    try {
      sh(process.execPath, [file], project, { timeout: 300_000 });
      console.log(
        `ok   ${e.pkg} README:${e.line} (${e.lang}) ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
    } catch (err) {
      failures.push(`${e.pkg} README:${e.line} (${e.lang}) failed:\n${err.stderr || err.message}`);
      console.log(`FAIL ${e.pkg} README:${e.line}`);
    }
  }

  // 4. browser bundles
  for (const [name, nodeOnly] of Object.entries(BROWSER_SAFE)) {
    const pkg = JSON.parse(readFileSync(join(project, 'node_modules', name, 'package.json'), 'utf8'));
    const subpaths = Object.keys(pkg.exports ?? { '.': null }).filter(
      (s) => s !== './package.json' && !nodeOnly.includes(s),
    );
    const entry = subpaths
      .map((s, i) => `export * as m${i} from '${s === '.' ? name : `${name}/${s.slice(2)}`}';`)
      .join('\n');
    const file = `bundle_${name.replace(/\W/g, '_')}.mjs`;
    writeFileSync(join(project, file), `${entry}\n`);
    try {
      sh(
        esbuild,
        [file, '--bundle', '--platform=browser', '--format=esm', '--outfile=/dev/null', '--log-level=error'],
        project,
      );
      console.log(`ok   browser bundle of ${name} (${subpaths.join(', ')})`);
    } catch (err) {
      failures.push(`browser bundle of ${name} failed:\n${err.stderr || err.message}`);
      console.log(`FAIL browser bundle of ${name}`);
    }
  }

  const total = (performance.now() - t0) / 1000;
  if (failures.length > 0) {
    console.error(
      `\n${failures.length} consumer-test failure(s) (${total.toFixed(0)} s; files kept in ${work}):\n\n${failures.join('\n\n')}`,
    );
    process.exit(1);
  }
  rmSync(work, { recursive: true, force: true });
  console.log(
    `consumer test passed: ${examples.length} README examples, ${Object.keys(BROWSER_SAFE).length} browser bundles, ${total.toFixed(0)} s`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
