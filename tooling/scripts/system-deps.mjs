#!/usr/bin/env node
// First step of `pnpm test:all` (and so of the README's test command and `.ci/run`): the Debian packages listed in
// system-deps.txt are installed when missing (apt-get, as root), or the run stops with the exact line to run.
// The decision is pure (`planSystemDeps`) so its cases are tested without touching the machine.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEPS_FILE = fileURLToPath(new URL('./system-deps.txt', import.meta.url));

/**
 * @typedef {{ name: string, probe?: string }} SystemDep
 * @typedef {{ action: 'none' } | { action: 'install', missing: string[], commands: string[][] }
 *   | { action: 'fail', missing: string[], message: string }} SystemDepsPlan
 */

/**
 * Parses system-deps.txt: `<package> [probe]` a line, `#` comments and blank lines ignored.
 * @param {string} text
 * @param {string} [file] named in errors
 * @returns {SystemDep[]}
 */
export function parseSystemDeps(text, file = 'system-deps.txt') {
  /** @type {SystemDep[]} */
  const deps = [];
  const seen = new Set();
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') return;
    const fields = line.split(/\s+/);
    const [name, probe, ...rest] = fields;
    if (!name || !/^[a-z0-9][a-z0-9+.-]+$/.test(name) || rest.length > 0) {
      throw new Error(`${file}:${i + 1}: expected "<debian-package> [probe]", got "${raw.trim()}"`);
    }
    if (seen.has(name)) throw new Error(`${file}:${i + 1}: package "${name}" listed twice`);
    seen.add(name);
    deps.push(probe === undefined ? { name } : { name, probe });
  });
  return deps;
}

/** The line a user runs to install `missing` (what a failed check prints). */
export function installLine(/** @type {string[]} */ missing) {
  return `sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}`;
}

/**
 * What to do, from facts about the machine.
 * @param {{ deps: SystemDep[], isInstalled: (dep: SystemDep) => boolean, isRoot: boolean, hasApt: boolean }} facts
 * @returns {SystemDepsPlan}
 */
export function planSystemDeps({ deps, isInstalled, isRoot, hasApt }) {
  const missing = deps.filter((d) => !isInstalled(d)).map((d) => d.name);
  if (missing.length === 0) return { action: 'none' };
  if (isRoot && hasApt) {
    return {
      action: 'install',
      missing,
      commands: [
        ['apt-get', 'update', '-qq'],
        ['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...missing],
      ],
    };
  }
  const why = hasApt ? 'not running as root' : 'apt-get not found';
  return {
    action: 'fail',
    missing,
    message:
      `The tests need the Debian packages ${missing.join(', ')}, which are missing (${why}, so they were not ` +
      `installed). Install them with:\n  ${installLine(missing)}\nand run the command again.`,
  };
}

/** Whether `command` is an executable file on `path` (a PATH string). */
export function onPath(/** @type {string} */ command, path = process.env.PATH ?? '') {
  return path.split(delimiter).some((dir) => {
    if (dir === '') return false;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** @param {SystemDep} dep */
function isInstalledHere(dep) {
  if (dep.probe !== undefined) return isAbsolute(dep.probe) ? existsSync(dep.probe) : onPath(dep.probe);
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax, not a template
  const q = spawnSync('dpkg-query', ['-W', '-f=${Status}', dep.name], { encoding: 'utf8' });
  return q.status === 0 && q.stdout.includes('install ok installed');
}

function main() {
  const deps = parseSystemDeps(readFileSync(DEPS_FILE, 'utf8'), DEPS_FILE);
  const plan = planSystemDeps({
    deps,
    isInstalled: isInstalledHere,
    isRoot: process.getuid?.() === 0,
    hasApt: onPath('apt-get'),
  });
  if (plan.action === 'none') return;
  if (plan.action === 'fail') {
    console.error(plan.message);
    process.exit(1);
  }
  console.log(`installing ${plan.missing.join(' ')} (apt-get)`);
  for (const [cmd, ...args] of plan.commands) {
    const r = spawnSync(/** @type {string} */ (cmd), args, {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    if (r.status !== 0) {
      console.error(
        `${[cmd, ...args].join(' ')} failed (exit ${r.status}); install by hand:\n  ${installLine(plan.missing)}`,
      );
      process.exit(1);
    }
  }
  const still = deps.filter((d) => plan.missing.includes(d.name) && !isInstalledHere(d));
  if (still.length > 0) {
    console.error(
      `apt-get ran but ${still.map((d) => `${d.name} (${d.probe ?? 'dpkg'})`).join(', ')} still missing`,
    );
    process.exit(1);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
