import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyOverrides,
  ConfigError,
  checkConfig,
  identityConfig,
  loadConfig,
  NEUTRAL_VALUES,
  planMethod,
  resolveConfig,
  resumeHash,
} from '../src/index.js';
import { sbiOptions } from '../src/run/loop.js';

function errorOf(f: () => unknown): ConfigError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('config schema', () => {
  it('fills every default from an empty config (the README default run: UVS + CGR, faceworld, small CNN 64x64)', () => {
    const c = resolveConfig({});
    expect(c.method).toEqual({ name: 'uvs', options: {} });
    expect(c.cgr.enabled).toBe(true);
    expect(c.data.source).toBe('faceworld');
    expect(c.detector).toEqual({ backbone: { kind: 'small-cnn', channels: [16, 32, 64] }, inputSize: 64 });
    expect(c.backend).toBe('auto');
  });

  it.each([
    [{ train: { steps: 0 } }, 'train.steps', 0],
    [{ train: { steps: 'many' } }, 'train.steps', 'many'],
    [{ optimizer: { name: 'adagrad' } }, 'optimizer.name', 'adagrad'],
    [{ cgr: { mode: 'approx' } }, 'cgr.mode', 'approx'],
    [{ cgr: { weight: -1 } }, 'cgr.weight', -1],
    [{ sources: { synthesized: 1.5 } }, 'sources.synthesized', 1.5],
    [{ data: { source: 'ffhq' } }, 'data.source', 'ffhq'],
    [{ seed: 1.5 }, 'seed', 1.5],
  ])('names the key and the value: %j', (raw, key, value) => {
    const e = errorOf(() => resolveConfig(raw, 'run.yaml'));
    expect(e.key).toBe(key);
    expect(e.value).toEqual(value);
    expect(e.message).toContain(key);
    expect(e.message).toContain(JSON.stringify(value));
    expect(e.message.startsWith('run.yaml: ')).toBe(true);
  });

  it('names an unknown key with its full path', () => {
    const e = errorOf(() => resolveConfig({ train: { stpes: 10 } }));
    expect(e.key).toBe('train.stpes');
    expect(e.message).toContain("unknown key 'train.stpes'");
    expect(e.message).toContain('10');
  });

  it('rejects an unknown method, listing the known ones', () => {
    const e = errorOf(() => planMethod(resolveConfig({ method: { name: 'adamw-mtl' } })));
    expect(e.key).toBe('method.name');
    expect(e.message).toContain('"adamw-mtl"');
    for (const m of ['orig-only', 'syn-only', 'joint', 'uvs', 'pcgrad', 'nash-mtl'])
      expect(e.message).toContain(m);
  });

  it('passes aggregator options to the package, whose rejection names method.options', () => {
    const e = errorOf(() => planMethod(resolveConfig({ method: { name: 'uvs', options: { c: -3 } } })));
    expect(e.key).toBe('method.options');
    expect(e.message).toContain('"c":-3');
  });

  it('reports a bad detector option as detector.*', () => {
    const e = errorOf(() => checkConfig(resolveConfig({ detector: { backbone: { kind: 'vgg' } } })));
    expect(e.key).toBe('detector');
    expect(e.message).toContain('vgg');
  });

  it('plans the trainer-level methods: one source alone, or both with the mean', () => {
    const orig = planMethod(resolveConfig({ method: { name: 'orig-only' } }));
    expect(orig.sources).toEqual(['original']);
    expect(orig.cgr).toBe(false);
    expect(planMethod(resolveConfig({ method: { name: 'syn-only' } })).sources).toEqual(['synthesized']);
    const joint = planMethod(resolveConfig({ method: { name: 'joint' } }));
    expect(joint.aggregator.name).toBe('mean');
    expect(joint.sources).toEqual(['original', 'synthesized']);
    for (const name of ['pcgrad', 'cagrad', 'mgda', 'imtl', 'aligned-mtl', 'upgrad', 'gradvac', 'nash-mtl']) {
      expect(planMethod(resolveConfig({ method: { name } })).aggregator.name.length).toBeGreaterThan(0);
    }
  });
});

describe('--set overrides', () => {
  it('parses JSON values and keeps other text as strings', () => {
    const o = applyOverrides({ train: { steps: 5 } }, [
      'train.steps=40',
      'method.name=pcgrad',
      'cgr.enabled=false',
      'method.options={"c":0.25}',
      'data.faceworld.options.size=64',
    ]);
    expect(o).toEqual({
      train: { steps: 40 },
      method: { name: 'pcgrad', options: { c: 0.25 } },
      cgr: { enabled: false },
      data: { faceworld: { options: { size: 64 } } },
    });
  });

  it('rejects a malformed override naming it', () => {
    expect(() => applyOverrides({}, ['train.steps'])).toThrow(/key=value, got 'train.steps'/);
    expect(() => applyOverrides({}, ['a..b=1'])).toThrow(/bad key 'a..b'/);
    expect(() => applyOverrides({}, ['__proto__.x=1'])).toThrow(ConfigError);
  });

  it('a later --set wins and never touches the input object (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-z]{1,4}$/), { minLength: 1, maxLength: 3 }),
        fc.integer(),
        fc.integer(),
        (path, a, b) => {
          const input = { keep: 1 };
          const key = path.join('.');
          const o = applyOverrides(input, [`${key}=${a}`, `${key}=${b}`]);
          let v: unknown = o;
          for (const p of path) v = (v as Record<string, unknown>)[p];
          return v === b && input.keep === 1 && Object.keys(input).length === 1;
        },
      ),
    );
  });
});

describe('config files', () => {
  it('reads YAML and JSON the same way, then applies --set', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cs-dfd-train-config-'));
    await writeFile(
      join(dir, 'a.yaml'),
      'method:\n  name: cagrad\n  options: { c: 0.4 }\ntrain:\n  steps: 12\n',
    );
    await writeFile(
      join(dir, 'a.json'),
      JSON.stringify({ method: { name: 'cagrad', options: { c: 0.4 } }, train: { steps: 12 } }),
    );
    const y = await loadConfig(join(dir, 'a.yaml'), ['train.batchSize=8']);
    const j = await loadConfig(join(dir, 'a.json'), ['train.batchSize=8']);
    expect(y).toEqual(j);
    expect(y.train).toMatchObject({ steps: 12, batchSize: 8 });
    expect(y.method).toEqual({ name: 'cagrad', options: { c: 0.4 } });
  });

  it('names the file on a syntax error and on a bad value', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cs-dfd-train-config-'));
    await writeFile(join(dir, 'bad.json'), '{"train": ');
    await expect(loadConfig(join(dir, 'bad.json'))).rejects.toThrow(/bad\.json is not valid JSON/);
    await writeFile(join(dir, 'val.yaml'), 'train:\n  batchSize: -2\n');
    await expect(loadConfig(join(dir, 'val.yaml'))).rejects.toThrow(
      /val\.yaml: train\.batchSize: .*\(got -2\)/,
    );
    await writeFile(join(dir, 'list.yaml'), '- 1\n- 2\n');
    await expect(loadConfig(join(dir, 'list.yaml'))).rejects.toThrow(/top level must be a mapping/);
    await expect(loadConfig(join(dir, 'missing.yaml'))).rejects.toThrow(
      /cannot read config file .*missing\.yaml/,
    );
  });
});

describe('identity of a config across versions (NEUTRAL_VALUES)', () => {
  it('leaves out keys that hold their neutral value, keeps them when set otherwise', () => {
    const id = identityConfig(resolveConfig({})) as { data: object; cgr: object };
    expect(Object.keys(id.data)).not.toContain('sbi');
    expect(Object.keys(id.cgr)).not.toContain('warmupSteps');
    const set = identityConfig(
      resolveConfig({ cgr: { warmupSteps: 300 }, data: { sbi: { sharpenProbability: 0 } } }),
    ) as { data: { sbi: unknown }; cgr: { warmupSteps: unknown } };
    expect(set.cgr.warmupSteps).toBe(300);
    expect(set.data.sbi).toEqual({ sharpenProbability: 0 });
  });

  it('every neutral value is the schema default, so a config written before the key existed resolves to it', () => {
    const defaults = resolveConfig({}) as unknown as Record<string, Record<string, unknown>>;
    for (const [key, neutral] of Object.entries(NEUTRAL_VALUES)) {
      const [section, name] = key.split('.') as [string, string];
      expect(defaults[section]![name], key).toEqual(neutral);
    }
  });

  it('a resume across the addition of a key: the checkpoint hash of a config without it is unchanged', () => {
    const now = resolveConfig({ train: { steps: 40 } });
    const { sbi: _sbi, ...data } = now.data;
    const { warmupSteps: _w, ...cgr } = now.cgr;
    const before = { ...now, data, cgr } as unknown as typeof now; // as a config.json written before the keys
    expect(resumeHash(before)).toBe(resumeHash(now));
    expect(resumeHash(resolveConfig({ train: { steps: 40 }, cgr: { warmupSteps: 1 } }))).not.toBe(
      resumeHash(now),
    );
  });

  it('data.sbi: SBI options the trainer passes to selfBlend, out-of-range and unknown keys named', () => {
    expect(sbiOptions(resolveConfig({}))).toEqual({});
    expect(sbiOptions(resolveConfig({ data: { sbi: { sharpenProbability: 0 } } }))).toEqual({
      sourceTarget: { sharpenProbability: 0 },
    });
    expect(errorOf(() => resolveConfig({ data: { sbi: { sharpenProbability: 1.5 } } })).key).toBe(
      'data.sbi.sharpenProbability',
    );
    expect(errorOf(() => resolveConfig({ data: { sbi: { sharpen: 0 } } })).key).toBe('data.sbi.sharpen');
    expect(errorOf(() => resolveConfig({ cgr: { warmupSteps: -1 } })).key).toBe('cgr.warmupSteps');
  });
});
