// The grid on BullMQ against a real redis-server: a coordinator enqueues the cells, is SIGKILLed and started again
// (it re-attaches; the cells are enqueued twice but trained once), two worker processes (the built CLI) train
// them, one is SIGKILLed mid-cell and Redis is restarted (appendonly) right after; the other worker gets the
// cell back through BullMQ's stalled-job check and resumes it from its checkpoint. results.json must hold the
// metrics of the same grid run in-process.
import { type ChildProcess, spawn } from 'node:child_process';
import { access, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRedis, type TestRedis } from '@cs-dfd/test-utils/redis-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GridResults } from '../src/grid/index.js';
import { TINY_SETS, tinyDeepfakeBench } from './grid-fixture.js';

const CLI = new URL('../dist/cli.js', import.meta.url).pathname;
// 8 steps with a checkpoint every 2, so a cell spends most of its time after its first checkpoint.
const SETS = [...TINY_SETS.filter((s) => !s.startsWith('train.steps=')), 'train.steps=8'];

interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

const procs: Proc[] = [];

function start(args: string[]): Proc {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout?.on('data', (d) => {
    text += d.toString();
  });
  child.stderr?.on('data', (d) => {
    text += d.toString();
  });
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  const p = { child, output: () => text, exited };
  procs.push(p);
  return p;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const exists = (f: string) =>
  access(f).then(
    () => true,
    () => false,
  );

async function until(what: string, test: () => boolean | Promise<boolean>, ms = 240_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

let redis: TestRedis;
let gridArgs: string[];

beforeAll(async () => {
  redis = await startRedis();
  const p = await tinyDeepfakeBench();
  gridArgs = [
    '--protocol',
    'deepfakebench',
    '--index',
    p.index.join(','),
    '--root',
    p.root,
    ...(p.cross ?? []).flatMap((c) => ['--cross', `${c.name}=${c.files.join(',')}`]),
    ...Object.entries(p.labels ?? {}).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
    '--methods',
    'joint,uvs+cgr',
    '--seeds',
    '2',
    '--progress',
    'none',
    ...SETS.flatMap((s) => ['--set', s]),
  ];
}, 120_000);

afterAll(async () => {
  for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  await redis?.stop();
});

describe('grid --queue on a real Redis with two worker processes', () => {
  it('survives a killed coordinator, a worker killed mid-cell and a Redis restart, and matches the in-process grid', async () => {
    const queued = await mkdtemp(join(tmpdir(), 'cs-dfd-grid-queue-'));
    const local = await mkdtemp(join(tmpdir(), 'cs-dfd-grid-local-'));
    const reference = start(['grid', '--out', local, ...gridArgs]);

    const first = start(['grid', '--out', queued, '--queue', redis.url, ...gridArgs]);
    await until('the first coordinator to enqueue', () =>
      first.output().includes('training 4 cells on the queue'),
    );
    first.child.kill('SIGKILL');
    await first.exited;
    const coordinator = start(['grid', '--out', queued, '--queue', redis.url, ...gridArgs]);

    const fast = ['--lock-ms', '3000', '--stalled-ms', '1000'];
    const victim = start(['worker', '--queue', redis.url, '--grid', queued, ...fast]);
    const survivor = start(['worker', '--queue', redis.url, '--grid', queued, ...fast]);

    // Kill the victim once a cell it is training has a checkpoint but no report yet.
    let killed: string | undefined;
    await until('a cell of the first worker to pass its first checkpoint', async () => {
      for (const m of victim.output().matchAll(/cell (\S+) training/g)) {
        const [method, seed] = m[1]!.split('/') as [string, string];
        const dir = join(queued, 'cells', method, seed);
        if ((await exists(join(dir, 'checkpoint'))) && !(await exists(join(dir, 'report.json')))) {
          victim.child.kill('SIGKILL');
          killed = m[1];
          return true;
        }
      }
      return false;
    });
    await victim.exited;
    await redis.restart();

    expect(await coordinator.exited, coordinator.output()).toBe(0);
    expect(await reference.exited, reference.output()).toBe(0);
    survivor.child.kill('SIGTERM');
    await survivor.exited;

    // The lost cell went to the other worker, which resumed it; every cell began training exactly once.
    expect(survivor.output()).toContain(`cell ${killed} resuming from its checkpoint`);
    const starts = [...`${victim.output()}${survivor.output()}`.matchAll(/cell (\S+) training/g)].map(
      (m) => m[1],
    );
    expect(starts.sort()).toEqual(['joint/seed-0', 'joint/seed-1', 'uvs+cgr/seed-0', 'uvs+cgr/seed-1']);

    const read = async (dir: string) =>
      JSON.parse(await readFile(join(dir, 'results.json'), 'utf8')) as GridResults;
    const [got, want] = [await read(queued), await read(local)];
    expect(got.cells.map((c) => [c.method, c.seed, c.metrics])).toEqual(
      want.cells.map((c) => [c.method, c.seed, c.metrics]),
    );
    expect(got.splits).toEqual(want.splits);
    for (const f of ['summary.json', 'tables.md', 'summary.csv', 'index.html']) {
      expect(await exists(join(queued, f)), f).toBe(true);
    }
  }, 600_000);

  it('a worker that cannot write the grid folder refuses to start', async () => {
    // Below a plain file: unwritable for root too (CI runs as root, which ignores permission bits).
    const file = join(await mkdtemp(join(tmpdir(), 'cs-dfd-grid-file-')), 'plain-file');
    await writeFile(file, 'not a folder');
    const w = start(['worker', '--queue', redis.url, '--grid', join(file, 'grid')]);
    expect(await w.exited).toBe(2);
    expect(w.output()).toContain(`cannot write to the grid folder ${join(file, 'grid')}`);
    expect(w.output()).not.toContain('waiting for cells');
  }, 180_000);
});
