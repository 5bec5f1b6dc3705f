#!/usr/bin/env node
// The consumer test: what a user of the published packages gets. Packs every publishable package (pnpm pack), installs
// the tarballs into a fresh npm project under os.tmpdir() (outside the workspace: no workspace links, no hoisted
// devDependencies), then
//  1. checks each README's install line against what its examples import,
//  2. runs every README example verbatim (```js as is; ```ts type-checked by tsc --noEmit under
//     moduleResolution nodenext and bundler, then run with its types stripped),
//  3. bundles each browser-safe package's entry points with esbuild for the browser.
//  4. checks each README's links: a relative link must resolve inside the package and to a file its tarball ships
//     (the design is cited as plain text, "DESIGN §N in the repository", and so is never a link).
// Any missing dependency fails 1 or 2 (ERR_MODULE_NOT_FOUND) or 3 (unresolved import). Needs the npm registry
// (npm install --prefer-offline: what is in the npm cache is not fetched again). One `pnpm -r pack` packs every
// package, one `npm install` installs every tarball; examples run CONSUMER_JOBS at a time (default: half the cores, at least 2).
// Examples: every ```js / ```ts block of packages/*/README.md with an `import ... from` line, except a block right
// after the line `<!-- consumer-test: skip -->` (an illustrative snippet). Run after `pnpm build`.
import { execFile, execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { isAbsolute, join, normalize } from 'node:path';
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

/**
 * The relative link targets of a README (`[text](target)`, `<img src>`/`<a href>`), without `#fragment` or `?query`;
 * web (`scheme:`), `mailto:` and in-page (`#...`) links left out.
 * @param {string} readme
 */
export function relativeLinks(readme) {
  const out = [];
  const targets = [
    ...[...readme.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1] ?? ''),
    ...[...readme.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1] ?? ''),
    ...[...readme.matchAll(/\b(?:href|src)\s*=\s*["']([^"']+)["']/g)].map((m) => m[1] ?? ''),
  ];
  for (const t of targets) {
    if (t === '' || t.startsWith('#') || /^[a-z][a-z0-9+.-]*:/i.test(t) || t.startsWith('//')) continue;
    const path = t.split(/[#?]/)[0] ?? '';
    if (path !== '') out.push(path);
  }
  return out;
}

/** The relative links of a README that leave the package folder (`../`, absolute paths): they never ship. */
export function linksOutsidePackage(/** @type {string} */ readme) {
  return relativeLinks(readme).filter((t) => {
    if (isAbsolute(t)) return true;
    const n = normalize(t);
    return n === '..' || n.startsWith('../') || n.startsWith('..\\');
  });
}

/**
 * A README that cites the design must say where it is: its first `DESIGN §N` reads "... in the repository" (the
 * design does not ship with the package). Returns the first citation's text when it does not, else `undefined`.
 * @param {string} readme
 */
export function unplacedDesignCitation(readme) {
  const m = /DESIGN\s+§[^\n]*(?:\n[^\n]*)?/.exec(readme);
  if (!m) return undefined;
  const sentence = m[0].split(/[.!?](?:\s|$)/)[0] ?? m[0];
  return /in the\s+repository/.test(sentence) ? undefined : sentence.trim();
}

/**
 * A module that imports an example exporting `history` (per step, each task's loss) and throws unless every task's
 * last loss is finite and below 20 % of its first, and an exported `sineLoss` (model.predict after training) too.
 * @param {string} example the example module's specifier
 */
export function trainedCheck(example) {
  return `import * as ex from '${example}';
const first = ex.history[0], last = ex.history.at(-1);
if (!first || !last) throw new Error('the example recorded no training history');
first.forEach((f, k) => {
  if (!(Number.isFinite(last[k]) && last[k] < 0.2 * f))
    throw new Error(\`task \${k} did not train: loss \${f} -> \${last[k]} (want below 20 % of the first)\`);
});
if ('sineLoss' in ex && !(ex.sineLoss < 0.2 * first[0]))
  throw new Error(\`model.predict after training: loss \${ex.sineLoss}, not below 20 % of \${first[0]}\`);
console.log(\`trained: \${first.map((f, k) => \`\${f.toFixed(4)} -> \${last[k].toFixed(4)}\`).join(', ')}\`);
`;
}

/** Runs `tasks` (functions returning promises) at most `limit` at a time, in order of start. */
async function pool(tasks, limit) {
  const results = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, tasks.length)) }, worker));
  return results;
}

/** execFile as a promise that resolves to `{ ok, stdout, stderr, message }` (never rejects). */
function run(cmd, args, cwd, extra = {}) {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20, ...extra }, (err, stdout, stderr) =>
      resolve({ ok: !err, stdout, stderr, message: err?.message ?? '' }),
    );
  });
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

async function main() {
  const t0 = performance.now();
  const seconds = (from) => ((performance.now() - from) / 1000).toFixed(1);
  const jobs = Number(process.env.CONSUMER_JOBS) || Math.max(2, Math.floor(availableParallelism() / 2));
  const failures = [];
  const packages = publishable();
  const work = mkdtempSync(join(tmpdir(), 'cs-dfd-consumer-'));
  const tarballs = join(work, 'tarballs');
  mkdirSync(tarballs);
  const project = join(work, 'project');
  mkdirSync(project);
  console.log(`consumer test in ${work} (${packages.length} packages, ${jobs} examples at a time)`);

  // 1. install lines, design citations, links that leave the package
  const examples = [];
  const readmes = new Map();
  for (const { dir, pkg } of packages) {
    const readme = existsSync(join(dir, 'README.md')) ? readFileSync(join(dir, 'README.md'), 'utf8') : '';
    readmes.set(pkg.name, readme);
    const missing = missingFromInstallLine(readme);
    if (missing.length > 0)
      failures.push(`${pkg.name}: README install line lacks ${missing.join(', ')} (imported by its example)`);
    const citation = unplacedDesignCitation(readme);
    if (citation !== undefined)
      failures.push(
        `${pkg.name}: README cites the design without saying it is in the repository: "${citation}" (write "DESIGN §N in the repository")`,
      );
    for (const link of linksOutsidePackage(readme))
      failures.push(`${pkg.name}: README links to ${link}, outside the package (it does not ship)`);
    readmeExamples(readme).forEach((e, i) =>
      examples.push({ ...e, pkg: pkg.name, file: `${pkg.name.replace(/\W/g, '_')}_${i}` }),
    );
  }

  // 2. pack (one pnpm call: it rewrites workspace: ranges) and install (one npm call)
  let t = performance.now();
  sh(
    'npx',
    [
      '-y',
      'pnpm@10.34.9',
      '--recursive',
      ...packages.flatMap(({ pkg }) => ['--filter', pkg.name]),
      'pack',
      '--pack-destination',
      tarballs,
    ],
    ROOT,
  );
  const tgz = readdirSync(tarballs).map((f) => join(tarballs, f));
  if (tgz.length !== packages.length)
    throw new Error(`pnpm pack wrote ${tgz.length} tarballs for ${packages.length} packages (${tarballs})`);
  console.log(`packed ${tgz.length} packages in ${seconds(t)} s`);
  const external = new Set(
    examples.flatMap((e) => importedPackages(e.code)).filter((p) => !p.startsWith('@cs-dfd/')),
  );
  const extras = [...external].map((p) => `${p}@${workspaceVersion(p, packages)}`);
  const tools = ['typescript@~5.9.3', 'esbuild@0.28.2', '@types/node@^20.19.0'];
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'consumer', private: true, type: 'module' }, null, 2)}\n`,
  );
  t = performance.now();
  sh(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      ...tgz,
      ...extras,
      ...tools,
    ],
    project,
  );
  console.log(`installed ${tgz.length} tarballs + ${extras.join(' ')} in ${seconds(t)} s`);

  // links inside the package must name a file its tarball ships
  for (const { pkg } of packages) {
    const installed = join(project, 'node_modules', pkg.name);
    for (const link of relativeLinks(readmes.get(pkg.name) ?? '')) {
      if (linksOutsidePackage(`[](${link})`).length > 0) continue; // reported above
      if (!existsSync(join(installed, decodeURIComponent(link))))
        failures.push(`${pkg.name}: README links to ${link}, which its tarball does not ship`);
    }
  }

  // 3. examples: tsc under both resolutions, then each example run, `jobs` at a time
  t = performance.now();
  const tsFiles = [];
  for (const e of examples) {
    writeFileSync(join(project, `${e.file}.${e.lang === 'ts' ? 'mts' : 'mjs'}`), e.code);
    if (e.lang === 'ts') tsFiles.push(`${e.file}.mts`);
  }
  const tscRuns = ['nodenext', 'bundler'].map((resolution) => {
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
    return async () => {
      const r = await run(
        join(project, 'node_modules/.bin/tsc'),
        ['-p', `tsconfig.${resolution}.json`],
        project,
      );
      if (!r.ok) failures.push(`tsc (moduleResolution ${resolution}):\n${r.stdout}${r.stderr}`);
      console.log(
        `${r.ok ? 'ok  ' : 'FAIL'} tsc --noEmit, moduleResolution ${resolution} (${tsFiles.length} files)`,
      );
    };
  });
  const esbuild = join(project, 'node_modules/.bin/esbuild');
  const exampleRuns = examples.map((e) => async () => {
    let file = `${e.file}.mjs`;
    if (e.lang === 'ts') {
      file = `${e.file}.run.mjs`;
      const strip = await run(
        esbuild,
        [`${e.file}.mts`, '--format=esm', `--outfile=${file}`, '--log-level=error'],
        project,
      );
      if (!strip.ok) {
        failures.push(`${e.pkg} README:${e.line} (ts) does not compile:\n${strip.stderr || strip.message}`);
        return;
      }
    }
    // An example that exports its training `history` (multitask's two-head models, the tf.layers one among them)
    // must also have trained: each task's last loss below 20 % of its first.
    if (/^export const history\b/m.test(e.code)) {
      const check = `${e.file}.trained.mjs`;
      writeFileSync(join(project, check), trainedCheck(`./${file}`));
      file = check;
    }
    const started = performance.now();
    const r = await run(process.execPath, [file], project, { timeout: 300_000 });
    if (!r.ok) failures.push(`${e.pkg} README:${e.line} (${e.lang}) failed:\n${r.stderr || r.message}`);
    const trained = r.stdout.match(/^trained: .*$/m)?.[0];
    console.log(
      `${r.ok ? 'ok  ' : 'FAIL'} ${e.pkg} README:${e.line} (${e.lang}) ${seconds(started)} s${trained ? ` (${trained})` : ''}`,
    );
  });
  // tsc first (the longest single task), so it overlaps the examples
  await pool([...tscRuns, ...exampleRuns], jobs);
  console.log(`type-checked and ran ${examples.length} examples in ${seconds(t)} s`);

  // 4. browser bundles
  t = performance.now();
  const bundles = Object.entries(BROWSER_SAFE).map(([name, nodeOnly]) => async () => {
    const pkg = JSON.parse(readFileSync(join(project, 'node_modules', name, 'package.json'), 'utf8'));
    const subpaths = Object.keys(pkg.exports ?? { '.': null }).filter(
      (s) => s !== './package.json' && !nodeOnly.includes(s),
    );
    const entry = subpaths
      .map((s, i) => `export * as m${i} from '${s === '.' ? name : `${name}/${s.slice(2)}`}';`)
      .join('\n');
    const file = `bundle_${name.replace(/\W/g, '_')}.mjs`;
    writeFileSync(join(project, file), `${entry}\n`);
    const r = await run(
      esbuild,
      [file, '--bundle', '--platform=browser', '--format=esm', '--outfile=/dev/null', '--log-level=error'],
      project,
    );
    if (!r.ok) failures.push(`browser bundle of ${name} failed:\n${r.stderr || r.message}`);
    console.log(`${r.ok ? 'ok  ' : 'FAIL'} browser bundle of ${name} (${subpaths.join(', ')})`);
  });
  await pool(bundles, jobs);
  console.log(`bundled ${bundles.length} packages for the browser in ${seconds(t)} s`);

  const total = seconds(t0);
  if (failures.length > 0) {
    console.error(
      `\n${failures.length} consumer-test failure(s) (${total} s; files kept in ${work}):\n\n${failures.join('\n\n')}`,
    );
    process.exit(1);
  }
  rmSync(work, { recursive: true, force: true });
  console.log(
    `consumer test passed: ${packages.length} packages, ${examples.length} README examples, ${bundles.length} browser bundles, ${total} s`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
