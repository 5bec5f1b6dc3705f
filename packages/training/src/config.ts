/**
 * The trainer's configuration: one zod schema holds every option and its default (DESIGN §13). A config file (YAML
 * or JSON) and `--set key=value` overrides are merged over the defaults, then validated; an error names the key
 * path and the offending value.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** Trainer-level methods that are not aggregators: one source alone, or the plain mean of both. */
export const TRAINER_METHODS = ['orig-only', 'syn-only', 'joint'] as const;

const positiveInt = () => z.int().min(1);

const FaceworldSourceSchema = z
  .object({
    /** Options passed to `@cs-dfd/faceworld`'s generator (validated by it); the cache key is their hash. */
    options: z.record(z.string(), z.unknown()).default({}),
    /** Where generated datasets are cached, one folder per options hash. */
    cacheDir: z.string().min(1).default('out/cache'),
  })
  .strict();

const CrossDomainSchema = z
  .object({
    /** Split name in the report (e.g. `celeb-df`). */
    name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'must be letters, digits, _ . -'),
    /** DeepfakeBench index files of this test set. */
    files: z.array(z.string().min(1)).min(1),
    /** Dataset root for its frame paths; default `data.deepfakebench.root`. */
    root: z.string().min(1).optional(),
  })
  .strict();

const DeepfakeBenchSourceSchema = z
  .object({
    /** DeepfakeBench's `rgb_dir`: relative frame paths resolve against it. */
    root: z.string().min(1),
    /** Index files of the training dataset (its train/val/test splits are used). */
    files: z.array(z.string().min(1)).min(1),
    /** Cross-domain test sets (their `test` split only). */
    crossDomain: z.array(CrossDomainSchema).default([]),
    compression: z.enum(['c23', 'c40', 'raw']).default('c23'),
    /** Extra label keys -> 0 real / 1 fake, merged over `@cs-dfd/data`'s DeepfakeBench label_dict. */
    labelMap: z.record(z.string(), z.union([z.literal(0), z.literal(1)])).default({}),
  })
  .strict();

const SbiSchema = z
  .object({
    /**
     * Probability that SBI's frequency change is a sharpen rather than a down-up resample (0.5 in the paper). 0: the
     * self-blended face only ever loses high frequencies, so a detector trained on SBI alone cannot have learned
     * "sharper than the rest of the frame" (the regime map's conflicting setting, docs/results/converged).
     */
    sharpenProbability: z.number().min(0).max(1).optional(),
  })
  .strict();

const DataSchema = z
  .object({
    source: z.enum(['faceworld', 'deepfakebench']).default('faceworld'),
    faceworld: FaceworldSourceSchema.default({ options: {}, cacheDir: 'out/cache' }),
    deepfakebench: DeepfakeBenchSourceSchema.optional(),
    /** Frames per video for training (DeepfakeBench reader); evaluation uses `evalFramesPerVideo`. */
    framesPerVideo: positiveInt().default(8),
    evalFramesPerVideo: positiveInt().default(8),
    /** Training augmentation (flip, colour jitter, JPEG). */
    augment: z.boolean().default(true),
    /**
     * Worker threads that make the self-blended images while the main thread trains (0 = on the main thread).
     * Output is byte-identical for any count: each sample's generator comes from (seed, step, slot).
     */
    sbiWorkers: z.number().int().min(0).max(16).default(1),
    /** The self-blended images' options (`@cs-dfd/forgery`'s `selfBlend`); absent keys keep SBI's published values. */
    sbi: SbiSchema.default({}),
    onBadSample: z.enum(['error', 'skip']).default('error'),
  })
  .strict();

const SourcesSchema = z
  .object({
    /**
     * Fakes per step of each source, as a fraction of `train.batchSize` (the reals are shared by both sub-batches).
     * 1 = as many fakes as reals.
     */
    original: z.number().gt(0).max(1).default(1),
    synthesized: z.number().gt(0).max(1).default(1),
  })
  .strict();

const MethodSchema = z
  .object({
    /** `orig-only`, `syn-only`, `joint`, or any `@cs-dfd/aggregators` name (`uvs`, `pcgrad`, `cagrad`, ...). */
    name: z.string().min(1).default('uvs'),
    /** Options of the aggregator's factory (validated by its package), e.g. `{ c: 0.5 }` for UVS. */
    options: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

const CgrSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** λ. */
    weight: z.number().min(0).max(1e6).default(0.1),
    mode: z.enum(['exact', 'diagonal', 'generic']).default('exact'),
    rho: z.enum(['hinge', 'linear']).default('hinge'),
    split: z.enum(['fused', 'exact']).default('fused'),
    /** Steps trained without CGR (the method's plain aggregation) before the Conflict Descent Loss switches on. */
    warmupSteps: z.int().min(0).default(0),
  })
  .strict();

const OptimizerSchema = z
  .object({
    name: z.enum(['adam', 'sgd', 'momentum']).default('adam'),
    lr: z.number().gt(0).max(10).default(1e-3),
    momentum: z.number().min(0).lt(1).default(0.9),
    beta1: z.number().min(0).lt(1).default(0.9),
    beta2: z.number().min(0).lt(1).default(0.999),
    epsilon: z.number().gt(0).default(1e-7),
    /**
     * The backbone's learning rate as a fraction of the head's (both follow the schedule): 1 trains both alike,
     * 0 freezes the backbone's weights, 0.1 is the usual choice when fine-tuning published weights.
     */
    backboneLrFactor: z.number().min(0).max(1).default(1),
  })
  .strict();

const ScheduleSchema = z
  .object({
    /** `constant`, or `cosine` decay to `minFactor`·lr at the last step. */
    kind: z.enum(['constant', 'cosine']).default('cosine'),
    /** Linear warm-up steps from 0. */
    warmup: z.int().min(0).default(20),
    minFactor: z.number().min(0).max(1).default(0.05),
  })
  .strict();

const TrainSchema = z
  .object({
    /**
     * Optimizer steps; an "epoch" is not used because the loader draws seeded permutations without end. 1500:
     * converged on the default faceworld by validation AUC (docs/results/converged), and the README command stays
     * under 8 minutes on 2 cores; the earlier 300 left the training loss near 0.6.
     */
    steps: positiveInt().default(1500),
    /**
     * Train for this many passes over the training reals instead: steps = ceil(epochs · reals / batchSize), which
     * replaces `steps` once the data is read. The loader draws a fresh seeded permutation per epoch.
     */
    epochs: z.number().gt(0).max(1e6).optional(),
    /** Reals per step (and fakes per source at ratio 1). */
    batchSize: positiveInt().default(8),
    /**
     * Validate (and maybe save `best/`) every this many steps, and at the last step. 100 (15 validations in the
     * default 1500 steps): on the converged default run's validation curve (docs/results/converged, every 50
     * steps) the best validation AUC falls on a multiple of 100, so 100 selects the same weights as 50 at half the
     * validations; 150 or 250 would select a worse validation AUC. Selection never looks at a test split.
     */
    evalEvery: positiveInt().default(100),
    /**
     * Write a resumable checkpoint every this many steps, and at the last step. 250 (6 in the default run): a crash
     * loses at most about a minute of steps, and checkpoints (durable writes) leave the critical path almost
     * entirely (apps/trainer README, _Where the wall time goes_).
     */
    checkpointEvery: positiveInt().default(250),
    /** Stop with an error after this many consecutive non-finite steps (0 = never). */
    maxConsecutiveSkips: z.int().min(0).default(20),
    /**
     * Worker threads of the training step: 0 = the main thread; 2 = each source's forward/backward on its own
     * worker (two-source methods without CGR; the same numbers as 0, see the training README); `auto` = 2 where
     * that was measured faster (two-source method without CGR, wasm or cpu backend, >= 2 cores, load average below
     * the core count), else 0.
     */
    workers: z.union([z.literal('auto'), z.literal(0), z.literal(2)]).default('auto'),
  })
  .strict();

/**
 * β of the per-source gradient EMAs behind the log's `emaCosine` (DESIGN §3.2): an average over about ten steps,
 * long enough to cancel most minibatch noise, short enough to follow the conflict as training moves on.
 */
export const EMA_COSINE_BETA = 0.9;

/**
 * Default `diagnostics.largeBatchSize` and `largeBatchEvery`. DESIGN §3.2 suggests 256 samples per source at every
 * validation; measured at the defaults (README, _Figures_) a pass costs about 1.2 training steps per 16 samples, so
 * six 256-sample passes would add 30–50% to a 300-step run, and 128 samples every 100 steps measured 9–10%. At
 * the converged 1500-step budget, 128 samples every 300 steps (5 passes, at the validations of steps 300, 600, …,
 * 1500) keeps the conflict curve's shape at half the cost of every 150 (apps/trainer README, _Where the wall time
 * goes_).
 */
export const LARGE_BATCH_SIZE = 128;
/** See {@link LARGE_BATCH_SIZE}. */
export const LARGE_BATCH_EVERY = 300;

const DiagnosticsSchema = z
  .object({
    /** β of the per-source gradient EMAs behind `emaCosine` (two-source methods); m ← β m + (1 − β) g. */
    emaBeta: z.number().min(0).lt(1).default(EMA_COSINE_BETA),
    /**
     * Large-batch gradient cosine with split-half reliability every this many steps (and at the last step), after
     * the validation when both fall on a step. 0: off. Default 300 rather than `train.evalEvery`, for cost.
     */
    largeBatchEvery: z.int().min(0).default(LARGE_BATCH_EVERY),
    /**
     * Samples per source in the large batch, counted as a step counts them: the shared reals plus that source's
     * fakes. Drawn as training-sized chunks (each a training batch: `train.batchSize` reals + fakes at the source
     * ratio), ceil(size / sub-batch) of them rounded up to an even number for the split halves.
     */
    largeBatchSize: z.int().min(1).max(65536).default(LARGE_BATCH_SIZE),
  })
  .strict();

const EvalSchema = z
  .object({
    batchSize: positiveInt().default(64),
    /** Test images to draw Grad-CAM heatmaps for (per test split). 0 = none. */
    gradcam: z.int().min(0).max(64).default(4),
  })
  .strict();

/** The whole configuration. Every field has a default; `{}` is the README's default run. */
export const ConfigSchema = z
  .object({
    seed: z.int().min(0).max(4294967295).default(0),
    /** `auto` = `@cs-dfd/backend`'s choice (tfjs-node-gpu > tfjs-node > wasm > cpu). */
    backend: z.enum(['auto', 'node-gpu', 'node', 'wasm', 'cpu']).default('auto'),
    data: DataSchema.default(DataSchema.parse({})),
    /**
     * `@cs-dfd/detectors` options (validated by it), plus two trainer keys: `weights`, a PyTorch state dict as
     * safetensors to start from (layout chosen by the backbone, see the detectors README; the detector must use
     * the format's options, e.g. `torchDetectorOptions`), and `freezeBatchNorm` (train with the moving BatchNorm
     * statistics). Default: the small CNN at 64×64.
     */
    detector: z
      .record(z.string(), z.unknown())
      .default({ backbone: { kind: 'small-cnn', channels: [16, 32, 64] }, inputSize: 64 }),
    sources: SourcesSchema.default(SourcesSchema.parse({})),
    method: MethodSchema.default(MethodSchema.parse({})),
    cgr: CgrSchema.default(CgrSchema.parse({})),
    optimizer: OptimizerSchema.default(OptimizerSchema.parse({})),
    schedule: ScheduleSchema.default(ScheduleSchema.parse({})),
    train: TrainSchema.default(TrainSchema.parse({})),
    eval: EvalSchema.default(EvalSchema.parse({})),
    diagnostics: DiagnosticsSchema.default(DiagnosticsSchema.parse({})),
  })
  .strict();

/** A resolved configuration (every default filled). */
export type TrainConfig = z.output<typeof ConfigSchema>;
/** What a config file may contain. */
export type TrainConfigInput = z.input<typeof ConfigSchema>;

/** The detector options proper, and the trainer's own keys of `config.detector` (see {@link ConfigSchema}). */
export function detectorSetup(config: TrainConfig): {
  options: Record<string, unknown>;
  weights: string | undefined;
  freezeBatchNorm: boolean;
} {
  const { weights, freezeBatchNorm, ...options } = config.detector;
  if (weights !== undefined && (typeof weights !== 'string' || weights === '')) {
    throw new ConfigError(
      `config: detector.weights must be a file path, got ${JSON.stringify(weights)}`,
      'detector.weights',
      weights,
    );
  }
  if (freezeBatchNorm !== undefined && typeof freezeBatchNorm !== 'boolean') {
    throw new ConfigError(
      `config: detector.freezeBatchNorm must be a boolean, got ${JSON.stringify(freezeBatchNorm)}`,
      'detector.freezeBatchNorm',
      freezeBatchNorm,
    );
  }
  return { options: { seed: config.seed, ...options }, weights, freezeBatchNorm: freezeBatchNorm === true };
}

/** A configuration problem: `key` is the dotted path, `value` what was found there. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    message: string,
    readonly key?: string,
    readonly value?: unknown,
  ) {
    super(message);
  }
}

function pathText(path: readonly PropertyKey[]): string {
  return path
    .map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))
    .join('.')
    .replace(/\.\[/g, '[');
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

function show(v: unknown): string {
  return v === undefined ? 'nothing' : JSON.stringify(v);
}

/** Validates a raw configuration; the first problem becomes a {@link ConfigError} naming key and value. */
export function resolveConfig(raw: unknown, origin = 'config'): TrainConfig {
  const r = ConfigSchema.safeParse(raw ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  let path = issue.path;
  // An unknown key is reported at its parent; name the key itself.
  if (issue.code === 'unrecognized_keys') {
    const key = pathText([...path, issue.keys[0]!]);
    throw new ConfigError(
      `${origin}: unknown key '${key}' (value ${show(valueAt(raw, [...path, issue.keys[0]!]))})`,
      key,
      valueAt(raw, [...path, issue.keys[0]!]),
    );
  }
  path = issue.path;
  const key = pathText(path) || '(root)';
  const value = valueAt(raw, path);
  throw new ConfigError(`${origin}: ${key}: ${issue.message} (got ${show(value)})`, key, value);
}

/** Reads a YAML (`.yaml`, `.yml`) or JSON config file. */
export async function readConfigFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read config file ${file}: ${(e as Error).message}`);
  }
  try {
    return extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new ConfigError(
      `config file ${file} is not valid ${extname(file) === '.json' ? 'JSON' : 'YAML'}: ${(e as Error).message}`,
    );
  }
}

/**
 * Applies `key=value` overrides (dotted keys, `a.b.c=1`) to a raw config. Values are parsed as JSON when they
 * are JSON (`3`, `true`, `[1,2]`, `{"c":0.5}`), else kept as strings (`method.name=uvs`).
 */
export function applyOverrides(raw: unknown, sets: readonly string[]): Record<string, unknown> {
  const root: Record<string, unknown> =
    raw !== null && typeof raw === 'object' && !Array.isArray(raw)
      ? structuredClone(raw as Record<string, unknown>)
      : {};
  for (const s of sets) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new ConfigError(`--set expects key=value, got '${s}'`, s);
    const key = s.slice(0, eq);
    const text = s.slice(eq + 1);
    const parts = key.split('.');
    if (parts.some((p) => p === '' || p === '__proto__' || p === 'constructor' || p === 'prototype')) {
      throw new ConfigError(`--set: bad key '${key}'`, key);
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = text;
    }
    let node = root;
    for (const p of parts.slice(0, -1)) {
      const next = node[p];
      if (next === null || typeof next !== 'object' || Array.isArray(next)) node[p] = {};
      node = node[p] as Record<string, unknown>;
    }
    node[parts.at(-1)!] = value;
  }
  return root;
}

/** File (optional) + overrides -> validated config. */
export async function loadConfig(
  file: string | undefined,
  sets: readonly string[] = [],
): Promise<TrainConfig> {
  const base = file === undefined ? {} : await readConfigFile(file);
  if (base !== null && base !== undefined && (typeof base !== 'object' || Array.isArray(base))) {
    throw new ConfigError(`config file ${file}: the top level must be a mapping, got ${show(base)}`);
  }
  return resolveConfig(applyOverrides(base ?? {}, sets), file ?? 'config');
}

/** Stable JSON (keys sorted) for hashing. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** SHA-256 (hex, first 16 chars) of a value's stable JSON. */
export function hashOf(v: unknown): string {
  return createHash('sha256').update(stableJson(v)).digest('hex').slice(0, 16);
}

/**
 * Keys added to the schema after checkpoints and grid cells were written, each with the value that trains exactly
 * as before the key existed. Identity checks ({@link identityConfig}: a checkpoint's resume, a benchmark cell)
 * leave a key out while it holds that value, so adding a key never orphans an earlier run. Append-only: a key
 * added later goes here with its neutral value.
 */
export const NEUTRAL_VALUES: Readonly<Record<string, unknown>> = {
  'data.sbi': {},
  'cgr.warmupSteps': 0,
  'optimizer.backboneLrFactor': 1,
};

/**
 * Keys that never change what is trained — the run is bitwise the same whatever their value — added after runs were
 * written: identity checks leave them out whatever they hold. `train.workers`: the step workers compute the
 * main thread's numbers bit for bit (step-workers.ts, tested).
 */
export const EXECUTION_ONLY_KEYS: readonly string[] = ['train.workers'];

/**
 * A deep copy of `config` (a resolved config, or one read back from a run's config.json) without the
 * {@link NEUTRAL_VALUES} keys that hold their neutral value and without the {@link EXECUTION_ONLY_KEYS}: what
 * identity checks hash and compare.
 */
export function identityConfig(config: unknown): Record<string, unknown> {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) return {};
  const out = structuredClone(config) as Record<string, unknown>;
  for (const [key, neutral] of Object.entries(NEUTRAL_VALUES)) {
    const parts = key.split('.');
    let node: unknown = out;
    for (const p of parts.slice(0, -1)) {
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[p] : undefined;
    }
    if (node === null || typeof node !== 'object') continue;
    const parent = node as Record<string, unknown>;
    const last = parts.at(-1)!;
    if (last in parent && stableJson(parent[last]) === stableJson(neutral)) delete parent[last];
  }
  for (const key of EXECUTION_ONLY_KEYS) {
    const [section, name] = key.split('.') as [string, string];
    const parent = out[section];
    if (parent !== null && typeof parent === 'object') delete (parent as Record<string, unknown>)[name];
  }
  return out;
}

/** Every config key (dotted) with its default, for `--help`; open-ended maps show their default object. */
export function configKeys(): [string, unknown][] {
  const out: [string, unknown][] = [];
  const walk = (v: unknown, prefix: string, open: boolean) => {
    if (!open && v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0) {
      for (const [k, x] of Object.entries(v)) {
        const key = prefix === '' ? k : `${prefix}.${k}`;
        walk(x, key, OPEN_MAPS.includes(key));
      }
    } else out.push([prefix, v]);
  };
  walk(ConfigSchema.parse({}), '', false);
  out.push([
    'data.deepfakebench',
    '{ root, files, crossDomain: [{ name, files, root? }], compression, labelMap }',
  ]);
  return out;
}

/** Keys whose values are free-form maps validated by another package. */
const OPEN_MAPS = ['detector', 'method.options', 'data.faceworld.options'];

function flatten(v: unknown, prefix: string, out: Map<string, string>): void {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v)) flatten(x, prefix === '' ? k : `${prefix}.${k}`, out);
  } else out.set(prefix, JSON.stringify(v));
}

/**
 * The dotted keys whose values differ between two configs, as `key: old -> new` (`unset` where a side lacks the
 * key), sorted; keys equal to or under an `ignore` entry are left out. For errors that must name what changed.
 */
export function diffConfigs(before: unknown, after: unknown, ignore: readonly string[] = []): string[] {
  const a = new Map<string, string>();
  const b = new Map<string, string>();
  flatten(before, '', a);
  flatten(after, '', b);
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  return keys
    .filter((k) => a.get(k) !== b.get(k) && !ignore.some((u) => k === u || k.startsWith(`${u}.`)))
    .map((k) => `${k}: ${a.get(k) ?? 'unset'} -> ${b.get(k) ?? 'unset'}`);
}
