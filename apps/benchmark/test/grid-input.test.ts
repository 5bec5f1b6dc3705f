// Bad input to the grid fails before any training, with a typed error naming the method, key, file or cell; and
// the ablation variants turn into the trainer configs they promise.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hanleyMcNeilSE } from '@cs-dfd/metrics';
import { resolveConfig } from '@cs-dfd/training';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import {
  addGridCommand,
  cellHash,
  configDiff,
  GridError,
  loadVariants,
  parseCross,
  parseLabels,
  parseVariants,
  planGrid,
  resolveMethods,
} from '../src/grid/index.js';

const tmp = () => mkdtemp(join(tmpdir(), 'cs-dfd-grid-in-'));

const gridError = async (p: Promise<unknown>): Promise<GridError> => {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(GridError);
  return e as GridError;
};

const syncError = (f: () => unknown): GridError => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(GridError);
    return e as GridError;
  }
  throw new Error('expected a GridError');
};

describe('methods', () => {
  it('maps grid methods to trainer overrides: +cgr turns CGR on', () => {
    const [joint, uvsCgr, pc] = resolveMethods(['joint', 'uvs+cgr', 'pcgrad+cgr']);
    expect(joint!.sets).toEqual(['method.name="joint"', 'cgr.enabled=false']);
    expect(uvsCgr!.sets).toEqual(['method.name="uvs"', 'cgr.enabled=true']);
    expect(pc!.sets).toEqual(['method.name="pcgrad"', 'cgr.enabled=true']);
  });

  it('an unknown method is an error listing the known ones; so is a repeat or a one-source +cgr', () => {
    const e = syncError(() => resolveMethods(['joint', 'uvs-cgr']));
    expect(e.code).toBe('unknown-method');
    expect(e.message).toContain('"uvs-cgr"');
    for (const m of ['orig-only', 'syn-only', 'joint', 'pcgrad', 'uvs+cgr', 'gradvac'])
      expect(e.message).toContain(m);
    expect(syncError(() => resolveMethods(['orig-only+cgr'])).code).toBe('unknown-method');
    expect(syncError(() => resolveMethods(['uvs', 'uvs'])).message).toContain('listed twice');
  });
});

describe('variants', () => {
  const good = [
    { name: 'uvs-sgd', method: 'uvs+cgr', set: { 'optimizer.name': 'sgd', 'optimizer.lr': 0.05 } },
    { name: 'uvs-c1', method: 'uvs', set: { 'method.options': { c: 1 } } },
    { name: 'cgr-diag', method: 'uvs+cgr', set: { 'cgr.mode': 'diagonal', 'cgr.weight': 0.5 } },
    { name: 'cue-0.3', method: 'joint', set: { 'data.faceworld.options': { sharedCue: 0.3 } } },
  ];

  it('each variant becomes a row whose cells have the ablated trainer config', async () => {
    const dir = await tmp();
    const variants = parseVariants(good);
    const plan = await planGrid({
      out: join(dir, 'grid'),
      methods: ['uvs+cgr', ...variants.map((v) => v.name)],
      variants,
      seeds: 2,
    });
    expect(plan.cells.map((c) => `${c.method}/${c.seed}`)).toEqual([
      'uvs+cgr/0',
      'uvs-sgd/0',
      'uvs-c1/0',
      'cgr-diag/0',
      'cue-0.3/0',
      'uvs+cgr/1',
      'uvs-sgd/1',
      'uvs-c1/1',
      'cgr-diag/1',
      'cue-0.3/1',
    ]);
    const cfg = (m: string) => plan.cells.find((c) => c.method === m && c.seed === 1)!.config;
    expect(cfg('uvs+cgr').seed).toBe(1);
    expect([cfg('uvs+cgr').optimizer.name, cfg('uvs-sgd').optimizer.name]).toEqual(['adam', 'sgd']);
    expect(cfg('uvs-sgd').optimizer.lr).toBe(0.05);
    expect([cfg('uvs-sgd').method.name, cfg('uvs-sgd').cgr.enabled]).toEqual(['uvs', true]);
    expect([cfg('uvs-c1').method.options, cfg('uvs-c1').cgr.enabled]).toEqual([{ c: 1 }, false]);
    expect([cfg('cgr-diag').cgr.mode, cfg('cgr-diag').cgr.weight]).toEqual(['diagonal', 0.5]);
    expect(cfg('cue-0.3').data.faceworld.options).toEqual({ sharedCue: 0.3 });
    expect(cfg('cue-0.3').method.name).toBe('joint');
    // Every row's hash differs from the plain method's: a finished uvs+cgr cell is never mistaken for a variant.
    expect(new Set(plan.cells.map((c) => c.configHash)).size).toBe(plan.cells.length);
    // The default faceworld cache is next to the grid folder, shared by grids.
    expect(cfg('uvs+cgr').data.faceworld.cacheDir).toBe(join(dir, 'cache'));
  });

  it('a malformed variants file is an error naming the file and the key', async () => {
    const dir = await tmp();
    const file = join(dir, 'ablate.yaml');
    await writeFile(file, '- name: fine\n  method: joint\n- name: typo\n  methdo: uvs\n');
    const e = await gridError(loadVariants(file));
    expect(e.code).toBe('bad-variants');
    expect(e.key).toBe('[1].methdo');
    expect(e.message).toContain(file);
    await writeFile(file, 'name: [unclosed\n');
    expect((await gridError(loadVariants(file))).message).toMatch(/ablate\.yaml.*not valid YAML/);
    expect((await gridError(loadVariants(join(dir, 'none.yaml')))).message).toContain('none.yaml');
  });

  it.each([
    [{ name: 'x' }, '(root)'],
    [[{ name: 'a b', method: 'joint' }], '[0].name'],
    [[{ name: 'joint', method: 'joint' }], '[0].name'],
    [[{ name: 'a', method: 'adam' }], '[0].method'],
    [[{ name: 'a', method: 'uvs', set: [1] }], '[0].set'],
    [[{ name: 'a', method: 'uvs', set: { seed: 3 } }], '[0].set.seed'],
    [[{ name: 'a', method: 'uvs', set: { 'cgr.weight': null } }], '[0].set.cgr.weight'],
    [
      [
        { name: 'a', method: 'uvs' },
        { name: 'a', method: 'joint' },
      ],
      '[1].name',
    ],
    [[null], '[0]'],
  ])('rejects %j at %s', (raw, key) => {
    const e = syncError(() => parseVariants(raw, 'v.yaml'));
    expect(e.key).toBe(key);
    expect(e.message.startsWith(`v.yaml: ${key}: `)).toBe(true);
  });

  it('a variant value the trainer rejects names the variant and the trainer key', async () => {
    const variants = parseVariants([{ name: 'rms', method: 'uvs', set: { 'optimizer.name': 'rmsprop' } }]);
    const e = await gridError(planGrid({ out: join(await tmp(), 'g'), variants, seeds: 1 }));
    expect(e.code).toBe('bad-config');
    expect(e.key).toBe('optimizer.name');
    expect(e.message).toContain('cell rms/seed-0');
    expect(e.message).toContain('variant rms of uvs');
    expect(e.message).toContain('"rmsprop"');
  });
});

describe('options', () => {
  it('missing index files and roots are named before any training', async () => {
    const dir = await tmp();
    const index = join(dir, 'FF++.json');
    const noIndex = await gridError(
      planGrid({ out: join(dir, 'g'), protocol: { kind: 'deepfakebench', index: [index], root: dir } }),
    );
    expect([noIndex.code, noIndex.key]).toEqual(['missing-file', 'index']);
    expect(noIndex.message).toContain(index);
    await writeFile(index, '{}');
    const cross = join(dir, 'Celeb-DF.json');
    const noCross = await gridError(
      planGrid({
        out: join(dir, 'g'),
        protocol: {
          kind: 'deepfakebench',
          index: [index],
          root: dir,
          cross: [{ name: 'celeb', files: [cross] }],
        },
      }),
    );
    expect(noCross.message).toContain(cross);
    expect(noCross.message).toContain('--cross celeb');
    const noRoot = await gridError(
      planGrid({
        out: join(dir, 'g'),
        protocol: { kind: 'deepfakebench', index: [index], root: join(dir, 'frames') },
      }),
    );
    expect(noRoot.message).toContain(join(dir, 'frames'));
  });

  it('faceworld-large: every test split has a frame-level AUC SE <= 0.01 at any AUC', async () => {
    const plan = await planGrid({
      out: join(await tmp(), 'g'),
      methods: ['joint'],
      seeds: 1,
      protocol: { kind: 'faceworld-large' },
    });
    const data = plan.cells[0]!.config.data;
    const o = data.faceworld.options as Record<string, number>;
    // faceworld's documented split: 15% of the source people (at least 2) are test people; the target pool is
    // test only. One real and three fake families per dataset; every frame of a clip is scored.
    const frames = o.videosPerIdentity! * Math.min(o.frames!, data.evalFramesPerVideo);
    const sourceTest = Math.max(2, Math.round(0.15 * o.identities!)) * frames;
    const targetTest = o.targetIdentities! * frames;
    expect([sourceTest, targetTest]).toEqual([1152, 1920]);
    // SE is largest at AUC 0.5 (the Mann-Whitney null variance).
    for (const nReal of [sourceTest, targetTest]) {
      for (const a of [0.5, 0.7, 0.9]) expect(hanleyMcNeilSE(a, 3 * nReal, nReal)).toBeLessThanOrEqual(0.01);
    }
    const small = await planGrid({ out: join(await tmp(), 'g'), methods: ['joint'], seeds: 1 });
    expect(small.cells[0]!.config.data.faceworld.options).toEqual({});
  });

  it('bad --set, --seeds and trainer values are named', async () => {
    const out = join(await tmp(), 'g');
    expect((await gridError(planGrid({ out, sets: ['train.steps'] }))).code).toBe('bad-option');
    expect((await gridError(planGrid({ out, seeds: 0 }))).key).toBe('seeds');
    const e = await gridError(planGrid({ out, sets: ['train.steps=-1'], methods: ['joint'] }));
    expect([e.code, e.key]).toEqual(['bad-config', 'train.steps']);
    expect(e.message).toContain('cell joint/seed-0');
  });

  it('parses --cross and --label, rejecting malformed ones', () => {
    expect(parseCross('celeb=a.json,b.json')).toEqual({ name: 'celeb', files: ['a.json', 'b.json'] });
    expect(syncError(() => parseCross('celeb.json')).key).toBe('cross');
    expect(parseLabels(['FW_real=0', 'FW_sbi=1'])).toEqual({ FW_real: 0, FW_sbi: 1 });
    expect(syncError(() => parseLabels(['FW_real=2'])).message).toContain('FW_real=2');
  });

  it('the command prints one line and exits 1 on a bad method, without a stack trace', async () => {
    const lines: string[] = [];
    const program = new Command().exitOverride();
    addGridCommand(program, (l) => lines.push(l));
    const before = process.exitCode;
    try {
      await program.parseAsync(['grid', '--out', join(await tmp(), 'g'), '--methods', 'joint,nope'], {
        from: 'user',
      });
      expect(process.exitCode).toBe(1);
    } finally {
      process.exitCode = before;
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^cs-dfd-bench grid: unknown method "nope"; grid methods: orig-only/);
  });

  it('the command refuses deepfakebench flags with the faceworld protocol', async () => {
    const lines: string[] = [];
    const program = new Command().exitOverride();
    addGridCommand(program, (l) => lines.push(l));
    const before = process.exitCode;
    try {
      await program.parseAsync(['grid', '--out', join(await tmp(), 'g'), '--index', 'a.json'], {
        from: 'user',
      });
      expect(process.exitCode).toBe(1);
    } finally {
      process.exitCode = before;
    }
    expect(lines).toEqual(['cs-dfd-bench grid: --index needs --protocol deepfakebench']);
  });
});

describe('cell hash', () => {
  it('ignores where the cache lives and the observe-only diagnostics, and nothing that trains', () => {
    const base = resolveConfig({ seed: 1 });
    const moved = resolveConfig({ seed: 1, data: { faceworld: { cacheDir: '/elsewhere' } } });
    const observed = resolveConfig({ seed: 1, diagnostics: { largeBatchEvery: 7, largeBatchSize: 16 } });
    expect(cellHash(moved)).toBe(cellHash(base));
    expect(cellHash(observed)).toBe(cellHash(base));
    expect(configDiff(base, observed)).toEqual([]);
    const trained = resolveConfig({ seed: 1, train: { steps: 299 } });
    expect(cellHash(trained)).not.toBe(cellHash(base));
    expect(configDiff(base, trained)).toEqual(['train.steps: 1500 -> 299']);
    expect(cellHash(resolveConfig({ seed: 2 }))).not.toBe(cellHash(base));
  });
});
