/**
 * The workspace's import rule (issue #15): imports run apps -> packages only. A file under `packages/` (or
 * `tooling/`) may not import an app, by its package name or by a relative path into `apps/`; a file of one app may
 * not import another app; and no package.json may depend on an app. The checker reads source text, so it also sees
 * tests, benchmarks and scripts that no build compiles.
 */
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** One workspace member: its package name and folder (relative to the root, `/`-separated). */
export interface Member {
  name: string;
  dir: string;
  kind: 'app' | 'package';
}

/** One import that breaks the rule. */
export interface Violation {
  /** The importing file, relative to the root. */
  file: string;
  /** The specifier as written (or `dependencies.<name>` for a package.json). */
  specifier: string;
  /** Why it is not allowed. */
  reason: string;
}

// Static `import`/`export ... from`, side-effect `import 'x'`, dynamic `import('x')`, `require('x')`, type-only
// `import('x').T`. Comments are not parsed away: a commented-out import of an app is flagged too, deliberately.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*|^\s*import\s+)(['"])([^'"\n]+)\1/gm;

/** The module specifiers a source text names. */
export function specifiers(source: string): string[] {
  return [...source.matchAll(SPECIFIER)].map((m) => m[2]!);
}

const toPosix = (p: string) => p.split(sep).join('/');

/** The member a file belongs to (the one whose folder holds it), if any. */
export function memberOf(members: readonly Member[], file: string): Member | undefined {
  return members.find((m) => file === m.dir || file.startsWith(`${m.dir}/`));
}

/**
 * The violations of one file's specifiers. `file` is relative to the root, `/`-separated. A bare specifier is
 * matched to a member by name (`cs-dfd-train`, `@cs-dfd/training/progress`); a relative one is resolved against
 * the file's folder.
 */
export function fileViolations(
  members: readonly Member[],
  file: string,
  specs: readonly string[],
): Violation[] {
  const from = memberOf(members, file);
  if (from === undefined) return [];
  const out: Violation[] = [];
  for (const specifier of specs) {
    let target: Member | undefined;
    if (specifier.startsWith('.')) {
      const path = toPosix(join(dirname(file), specifier));
      target = path.startsWith('apps/') ? memberOf(members, path) : undefined;
      if (path.startsWith('apps/') && target === undefined) {
        if (from.kind !== 'app') out.push({ file, specifier, reason: 'a relative path into apps/' });
        continue;
      }
    } else {
      target = members.find((m) => specifier === m.name || specifier.startsWith(`${m.name}/`));
    }
    if (target === undefined || target.kind !== 'app' || target === from) continue;
    out.push({
      file,
      specifier,
      reason:
        from.kind === 'app'
          ? `app ${from.name} imports another app (${target.name})`
          : `package ${from.name} imports an app (${target.name})`,
    });
  }
  return out;
}

/** Violations of one package.json: a dependency of any kind on an app other than itself. */
export function manifestViolations(
  members: readonly Member[],
  file: string,
  manifest: Record<string, unknown>,
): Violation[] {
  const from = memberOf(members, file);
  const out: Violation[] = [];
  for (const field of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
    const deps = (manifest[field] ?? {}) as Record<string, string>;
    for (const name of Object.keys(deps)) {
      const target = members.find((m) => m.name === name);
      if (target?.kind === 'app' && target !== from) {
        out.push({ file, specifier: `${field}.${name}`, reason: `depends on the app ${name}` });
      }
    }
  }
  return out;
}

const SOURCE = /\.(?:[cm]?[jt]s|tsx)$/;
const SKIP = new Set(['node_modules', 'dist', 'out', '.turbo', 'coverage']);

async function walk(dir: string, files: string[]): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (SKIP.has(e.name) || e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) await walk(p, files);
    else if (e.isFile() && SOURCE.test(e.name)) files.push(p);
  }
}

/** The workspace members under `root` (`apps/*`, `packages/*`, `tooling/*` with a package.json). */
export async function workspaceMembers(root: string): Promise<Member[]> {
  const members: Member[] = [];
  for (const group of ['apps', 'packages', 'tooling']) {
    let entries: string[];
    try {
      entries = await readdir(join(root, group));
    } catch {
      continue;
    }
    for (const e of entries) {
      try {
        const pkg = JSON.parse(await readFile(join(root, group, e, 'package.json'), 'utf8')) as {
          name: string;
        };
        members.push({ name: pkg.name, dir: `${group}/${e}`, kind: group === 'apps' ? 'app' : 'package' });
      } catch {}
    }
  }
  return members;
}

/** Every violation in the workspace at `root`: sources and package.json files of all members. */
export async function workspaceViolations(root: string): Promise<Violation[]> {
  const abs = resolve(root);
  const members = await workspaceMembers(abs);
  const out: Violation[] = [];
  for (const m of members) {
    const files: string[] = [];
    await walk(join(abs, m.dir), files);
    for (const f of files) {
      const rel = toPosix(relative(abs, f));
      out.push(...fileViolations(members, rel, specifiers(await readFile(f, 'utf8'))));
    }
    const manifest = JSON.parse(await readFile(join(abs, m.dir, 'package.json'), 'utf8'));
    out.push(...manifestViolations(members, `${m.dir}/package.json`, manifest));
  }
  return out;
}
