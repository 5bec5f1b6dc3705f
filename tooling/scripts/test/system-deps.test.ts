// The decision of system-deps.mjs, from facts (no apt-get runs here), and the list it reads.
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEPS_FILE, installLine, onPath, parseSystemDeps, planSystemDeps } from '../system-deps.mjs';

const deps = [
  { name: 'chromium', probe: '/usr/bin/chromium' },
  { name: 'ffmpeg', probe: 'ffmpeg' },
  { name: 'python3-torch' },
];
const only = (names: string[]) => (d: { name: string }) => !names.includes(d.name);

describe('planSystemDeps', () => {
  it('does nothing when everything is installed, whoever runs it', () => {
    for (const isRoot of [true, false]) {
      for (const hasApt of [true, false]) {
        expect(planSystemDeps({ deps, isInstalled: () => true, isRoot, hasApt })).toEqual({ action: 'none' });
      }
    }
  });

  it('installs exactly the missing packages with apt-get as root', () => {
    const plan = planSystemDeps({
      deps,
      isInstalled: only(['ffmpeg', 'python3-torch']),
      isRoot: true,
      hasApt: true,
    });
    expect(plan).toEqual({
      action: 'install',
      missing: ['ffmpeg', 'python3-torch'],
      commands: [
        ['apt-get', 'update', '-qq'],
        ['apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'ffmpeg', 'python3-torch'],
      ],
    });
  });

  it('fails with the exact install line when not root', () => {
    const plan = planSystemDeps({ deps, isInstalled: only(['chromium']), isRoot: false, hasApt: true });
    expect(plan.action).toBe('fail');
    if (plan.action !== 'fail') return;
    expect(plan.missing).toEqual(['chromium']);
    expect(plan.message).toContain('sudo apt-get update && sudo apt-get install -y chromium\n');
    expect(plan.message).toContain('not running as root');
  });

  it('fails with the install line when root has no apt-get', () => {
    const plan = planSystemDeps({ deps, isInstalled: () => false, isRoot: true, hasApt: false });
    expect(plan.action).toBe('fail');
    if (plan.action !== 'fail') return;
    expect(plan.message).toContain(installLine(['chromium', 'ffmpeg', 'python3-torch']));
    expect(plan.message).toContain('apt-get not found');
  });
});

describe('parseSystemDeps', () => {
  it('reads packages and probes, skipping comments and blank lines', () => {
    expect(parseSystemDeps('# c\n\nchromium /usr/bin/chromium  # browser\nredis-server\n')).toEqual([
      { name: 'chromium', probe: '/usr/bin/chromium' },
      { name: 'redis-server' },
    ]);
  });

  it('names the line of a malformed or repeated entry', () => {
    expect(() => parseSystemDeps('ffmpeg\nchromium a b\n', 'deps.txt')).toThrow('deps.txt:2: expected');
    expect(() => parseSystemDeps('ffmpeg\nffmpeg\n', 'deps.txt')).toThrow(
      'deps.txt:2: package "ffmpeg" listed twice',
    );
    expect(() => parseSystemDeps('Chromium\n')).toThrow(':1: expected');
  });

  it('the repository list parses and names chromium and ffmpeg', () => {
    const names = parseSystemDeps(readFileSync(DEPS_FILE, 'utf8')).map((d) => d.name);
    expect(names).toEqual(expect.arrayContaining(['chromium', 'ffmpeg']));
  });
});

describe('onPath', () => {
  it('finds an executable file and not a plain one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sysdeps-'));
    writeFileSync(join(dir, 'tool'), '#!/bin/sh\n');
    chmodSync(join(dir, 'tool'), 0o755);
    writeFileSync(join(dir, 'data'), '');
    expect(onPath('tool', dir)).toBe(true);
    expect(onPath('data', dir)).toBe(false);
    expect(onPath('tool', '')).toBe(false);
  });
});
