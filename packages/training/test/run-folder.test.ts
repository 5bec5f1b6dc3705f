import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config.js';
import {
  acquireRunLock,
  cleanCheckpointLeftovers,
  LOCK_FILE,
  prepareRunFolder,
  processAlive,
  RunFolderError,
} from '../src/run/run-folder.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'cs-dfd-run-folder-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('did not reject');
}

describe('processAlive', () => {
  it('is true for this process and false for a process that has exited', async () => {
    expect(processAlive(process.pid)).toBe(true);
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid!;
    await new Promise((r) => child.on('exit', r));
    expect(processAlive(pid)).toBe(false);
  });
});

describe('acquireRunLock', () => {
  it('a second holder is refused while the first lives; released, the folder can be locked again', async () => {
    const dir = join(root, 'busy');
    const a = await acquireRunLock(dir);
    const info = JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8'));
    expect(info).toEqual({
      pid: process.pid,
      host: hostname(),
      startedAt: a.info.startedAt,
      token: a.info.token,
    });
    // Another live process holds it (isAlive says so for a foreign PID).
    await writeFile(join(dir, LOCK_FILE), JSON.stringify({ ...info, pid: 1, token: 'other' }));
    const e = await rejection(acquireRunLock(dir, { isAlive: () => true }));
    expect(e).toBeInstanceOf(RunFolderError);
    expect(e.message).toMatch(new RegExp(`run folder ${dir} is in use by pid 1 on this host`));
    // Our release leaves the other process's lock alone (the token differs).
    await a.release();
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8')).token).toBe('other');
    await rm(join(dir, LOCK_FILE));
    const b = await acquireRunLock(dir);
    await b.release();
    await b.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it("takes over a dead process's lock with a message; refuses another host's", async () => {
    const dir = join(root, 'stale');
    await mkdir(dir, { recursive: true });
    const stale = { pid: 4242, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', token: 'dead' };
    await writeFile(join(dir, LOCK_FILE), JSON.stringify(stale));
    const lock = await acquireRunLock(dir, { isAlive: (pid) => pid !== 4242 });
    expect(lock.tookOver).toBe(
      'took over the run lock of pid 4242 (started 2026-01-01T00:00:00.000Z), which is no longer running',
    );
    expect(JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8')).token).toBe(lock.info.token);
    await lock.release();
    await writeFile(join(dir, LOCK_FILE), JSON.stringify({ ...stale, host: 'elsewhere' }));
    const e = await rejection(acquireRunLock(dir, { isAlive: () => false }));
    expect(e.message).toContain(`in use by pid 4242 on host elsewhere`);
    expect(e.message).toContain(`remove ${join(dir, LOCK_FILE)}`);
  });

  it('of two processes racing for one folder exactly one wins, and a SIGKILLed holder leaves a lock the next run takes over', async () => {
    const dir = join(root, 'race');
    await mkdir(dir, { recursive: true });
    const src = new URL('../src/run/run-folder.ts', import.meta.url).pathname;
    // Separate processes need the built module (`test:all` builds before it tests).
    const script = `
      const m = await import(${JSON.stringify(src.replace('/src/', '/dist/').replace(/\.ts$/, '.js'))});
      try { const l = await m.acquireRunLock(${JSON.stringify(dir)}); process.stdout.write('won\\n'); setInterval(() => {}, 1000); }
      catch (e) { process.stdout.write('lost ' + e.name + '\\n'); process.exit(0); }`;
    const start = () => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script]);
      const line = new Promise<string>((resolve) => {
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
          if (out.includes('\n')) resolve(out.trim());
        });
        child.on('exit', () => resolve(out.trim()));
      });
      return { child, line };
    };
    const runs = [start(), start(), start()];
    const lines = await Promise.all(runs.map((r) => r.line));
    expect(lines.filter((l) => l === 'won')).toHaveLength(1);
    expect(lines.filter((l) => l === 'lost RunFolderError')).toHaveLength(2);
    const winner = runs[lines.indexOf('won')]!.child;
    winner.kill('SIGKILL');
    await new Promise((r) => winner.on('exit', r));
    const next = await acquireRunLock(dir);
    expect(next.tookOver).toMatch(new RegExp(`took over the run lock of pid ${winner.pid} `));
    await next.release();
  });
});

describe('prepareRunFolder', () => {
  const config = resolveConfig({ seed: 3 });
  it('refuses a fresh run into a folder holding another run unless --force, which clears it; --resume keeps it', async () => {
    const dir = join(root, 'previous');
    await mkdir(join(dir, 'checkpoint'), { recursive: true });
    await writeFile(join(dir, 'log.jsonl'), '{"step":1}\n');
    const e = await rejection(prepareRunFolder(dir, { config, resume: false }));
    expect(e.message).toBe(
      `run folder ${dir} already holds a run without a readable config.json: continue it with --resume, choose another --out, or pass --force to replace it`,
    );
    expect((await readdir(dir)).sort()).toEqual(['checkpoint', 'log.jsonl']); // refused: lock released, nothing lost
    await writeFile(join(dir, 'config.json'), JSON.stringify({ ...config, seed: 4 }));
    const other = await rejection(prepareRunFolder(dir, { config, resume: false }));
    expect(other.message).toContain('already holds a run of another config (seed: 4 -> 3)');
    const resumed = await prepareRunFolder(dir, { config, resume: true });
    expect((await readdir(dir)).sort()).toEqual([LOCK_FILE, 'checkpoint', 'config.json', 'log.jsonl']);
    await resumed.lock.release();
    const forced = await prepareRunFolder(dir, { config, resume: false, force: true });
    expect(forced.notes).toEqual([`--force: removed the previous run in ${dir} (log.jsonl, checkpoint)`]);
    expect(await readdir(dir)).toEqual([LOCK_FILE]);
    await forced.lock.release();
  });

  it('replaces a run of the same config without --force (the same command run twice)', async () => {
    const dir = join(root, 'same');
    await mkdir(join(dir, 'best'), { recursive: true });
    await writeFile(join(dir, 'config.json'), JSON.stringify(config));
    await writeFile(join(dir, 'report.json'), '{}');
    const again = await prepareRunFolder(dir, { config, resume: false });
    expect(again.notes).toEqual([`replaced the earlier run of the same config in ${dir}`]);
    expect(await readdir(dir)).toEqual([LOCK_FILE]);
    await again.lock.release();
  });
});

describe('cleanCheckpointLeftovers', () => {
  it('removes unfinished writes, restores a complete old checkpoint when checkpoint/ is missing, else drops it', async () => {
    const dir = join(root, 'leftovers');
    await mkdir(join(dir, 'checkpoint.tmp-11'), { recursive: true });
    await mkdir(join(dir, 'checkpoint.old-12'), { recursive: true });
    await writeFile(join(dir, 'checkpoint.old-12', 'manifest.json'), '{"version": 3}');
    const notes = await cleanCheckpointLeftovers(dir);
    expect(notes).toEqual([
      'removed the unfinished checkpoint checkpoint.tmp-11',
      'restored checkpoint/ from checkpoint.old-12 (a crash between its renames)',
    ]);
    expect(await readFile(join(dir, 'checkpoint', 'manifest.json'), 'utf8')).toBe('{"version": 3}');
    await mkdir(join(dir, 'checkpoint.old-13'), { recursive: true });
    await writeFile(join(dir, 'checkpoint.old-13', 'manifest.json'), '{"version": 2}');
    expect(await cleanCheckpointLeftovers(dir)).toEqual([
      'removed the superseded checkpoint checkpoint.old-13',
    ]);
    expect((await readdir(dir)).sort()).toEqual(['checkpoint']);
    expect(await readFile(join(dir, 'checkpoint', 'manifest.json'), 'utf8')).toBe('{"version": 3}');
  });
});
