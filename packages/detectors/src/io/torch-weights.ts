/**
 * PyTorch state dicts (as safetensors) <-> detectors. Each {@link TorchFormat} names the published layout of one
 * family of checkpoints:
 *
 * - `torchvision`: `torchvision.models.resnet18` and `efficientnet_b0..b4` (ImageNet weights, most deepfake code).
 * - `efficientnet-pytorch`: lukemelas' `efficientnet_pytorch` (SBI's released EfficientNet-B4, many FF++ baselines).
 * - `timm-xception`: timm's legacy `xception` = Cadene's `pretrainedmodels` Xception (FF++, DeepfakeBench).
 *
 * Layouts: convolution kernels OIHW -> HWIO, depthwise [C, 1, k, k] -> [k, k, C, 1], BatchNorm weight/bias/
 * running_mean/running_var -> gamma/beta/moving_mean/moving_variance (`num_batches_tracked` is ignored). The
 * formats also fix architecture details that change the function (padding convention, BatchNorm epsilon); a
 * detector must be built with {@link torchDetectorOptions} for the format, which the loader checks.
 *
 * The file's classifier (`fc`, `classifier.1`, `_fc`, `last_linear`: any number of outputs) has no place in the
 * detector's projection head; it is dropped, or returned as a {@link LinearClassifier} with `keepHead`. A file
 * written by {@link saveTorchWeights} instead holds the detector's own head as `<slot>.0` (Linear D -> P) and
 * `<slot>.2` (Linear P -> 1), which load back into the head.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { DetectorConfig, DetectorOptions } from '../config.js';
import type { Detector, WeightInfo } from '../detector.js';
import { DetectorError } from '../errors.js';
import { type FloatTensor, SafetensorsFile, writeSafetensors } from './safetensors.js';
import { assignWeights } from './weights.js';

export const TORCH_FORMATS = ['torchvision', 'efficientnet-pytorch', 'timm-xception'] as const;
export type TorchFormat = (typeof TORCH_FORMATS)[number];

/** How a PyTorch tensor is laid out, and so how it is transposed into tfjs's layout (see the module comment). */
export type Layout = 'conv' | 'depthwise' | 'vector';

/** One detector weight and its place in a state dict. */
export interface TorchKey {
  /** The detector's logical weight name. */
  name: string;
  /** The state-dict key. */
  key: string;
  layout: Layout;
  /** Shape in the detector (HWIO for kernels). */
  shape: readonly number[];
  /** Shape in the state dict (OIHW for kernels). */
  torchShape: number[];
}

const SUFFIX: Record<string, string> = {
  kernel: 'weight',
  bias: 'bias',
  gamma: 'weight',
  beta: 'bias',
  moving_mean: 'running_mean',
  moving_variance: 'running_var',
};

/** The state-dict attribute that holds each format's classifier (and, on export, the detector's head). */
function headSlot(format: TorchFormat, kind: DetectorConfig['backbone']['kind']): string {
  if (format === 'efficientnet-pytorch') return '_fc';
  return format === 'torchvision' && kind === 'efficientnet' ? 'classifier' : 'fc';
}

/** Key names of the published plain classifier of a format (weight [K, D], bias [K]), first match wins. */
function classifierKeys(format: TorchFormat, kind: DetectorConfig['backbone']['kind']): string[] {
  if (format === 'efficientnet-pytorch') return ['_fc'];
  if (format === 'timm-xception') return ['fc', 'last_linear'];
  return kind === 'efficientnet' ? ['classifier.1'] : ['fc'];
}

/** Detector options a format's checkpoints need (padding convention, BatchNorm epsilon and momentum). */
export function torchDetectorOptions(
  format: TorchFormat,
  backbone: 'resnet18' | 'efficientnet' | 'xception',
): Pick<DetectorOptions, 'backbone' | 'batchNorm'> {
  const allowed: Record<TorchFormat, readonly string[]> = {
    torchvision: ['resnet18', 'efficientnet'],
    'efficientnet-pytorch': ['efficientnet'],
    'timm-xception': ['xception'],
  };
  if (!allowed[format].includes(backbone)) {
    throw new DetectorError(
      'invalid-config',
      `weight format '${format}' holds ${allowed[format].join(' or ')} weights, not ${backbone}`,
    );
  }
  // PyTorch's BatchNorm momentum is the fraction replaced; ours (Keras's) the fraction kept.
  if (format === 'efficientnet-pytorch') {
    return {
      backbone: { kind: 'efficientnet', padding: 'same' },
      batchNorm: { epsilon: 1e-3, momentum: 0.99 },
    };
  }
  const bn = { epsilon: 1e-5, momentum: 0.9 };
  if (backbone === 'resnet18') return { backbone: { kind: 'resnet18' }, batchNorm: bn };
  return { backbone: { kind: backbone, padding: 'symmetric' }, batchNorm: bn };
}

/** The format a detector's config matches, if any (the default of {@link loadTorchWeights}). */
export function torchFormatOf(config: DetectorConfig): TorchFormat | undefined {
  for (const format of TORCH_FORMATS) {
    if (configProblem(config, format) === undefined) return format;
  }
  return undefined;
}

function configProblem(config: DetectorConfig, format: TorchFormat): string | undefined {
  const b = config.backbone;
  if (b.kind === 'small-cnn') return `the small CNN has no published PyTorch layout`;
  let want: ReturnType<typeof torchDetectorOptions>;
  try {
    want = torchDetectorOptions(format, b.kind);
  } catch (e) {
    return (e as Error).message;
  }
  const wb = want.backbone as { padding?: string };
  if (wb.padding !== undefined && 'padding' in b && b.padding !== wb.padding) {
    return `backbone.padding is '${b.padding}' but '${format}' weights need '${wb.padding}'`;
  }
  const eps = want.batchNorm?.epsilon as number;
  if (Math.abs(config.batchNorm.epsilon - eps) > 1e-12) {
    return `batchNorm.epsilon is ${config.batchNorm.epsilon} but '${format}' weights need ${eps}`;
  }
  return undefined;
}

function resnetModule(path: string): string {
  return path
    .replace('downsample/conv', 'downsample.0')
    .replace('downsample/bn', 'downsample.1')
    .replaceAll('/', '.');
}

const EFFNET_PART =
  /^block(\d+)([a-z])_(expand_conv|expand_bn|dwconv|bn|se_reduce|se_expand|project_conv|project_bn)$/;

function efficientnetModule(path: string, format: TorchFormat, blockIndex: Map<string, number>): string {
  const tv = format === 'torchvision';
  if (path === 'stem_conv') return tv ? 'features.0.0' : '_conv_stem';
  if (path === 'stem_bn') return tv ? 'features.0.1' : '_bn0';
  if (path === 'top_conv') return tv ? 'features.8.0' : '_conv_head';
  if (path === 'top_bn') return tv ? 'features.8.1' : '_bn1';
  const m = EFFNET_PART.exec(path);
  if (m === null) throw new Error(`unmapped EfficientNet layer ${path}`);
  const [, stage, letter, part] = m as unknown as [string, string, string, string];
  if (!tv) {
    const k = blockIndex.get(`${stage}${letter}`) as number;
    const name: Record<string, string> = {
      expand_conv: '_expand_conv',
      expand_bn: '_bn0',
      dwconv: '_depthwise_conv',
      bn: '_bn1',
      se_reduce: '_se_reduce',
      se_expand: '_se_expand',
      project_conv: '_project_conv',
      project_bn: '_bn2',
    };
    return `_blocks.${k}.${name[part]}`;
  }
  // torchvision's MBConv is a Sequential: [expand (conv, bn)], depthwise (conv, bn), SE (fc1, fc2), project.
  const d = stage === '1' ? 0 : 1; // stage 1 has expand ratio 1: no expansion layer
  const j = letter.charCodeAt(0) - 97;
  const local: Record<string, string> = {
    expand_conv: '0.0',
    expand_bn: '0.1',
    dwconv: `${d}.0`,
    bn: `${d}.1`,
    se_reduce: `${d + 1}.fc1`,
    se_expand: `${d + 1}.fc2`,
    project_conv: `${d + 2}.0`,
    project_bn: `${d + 2}.1`,
  };
  return `features.${stage}.${j}.block.${local[part]}`;
}

const XCEPTION_PART = /^block(\d+)_(residual|residual_bn|sepconv(\d)(\/depthwise|\/pointwise|_bn))$/;

function xceptionModule(path: string, middleBlocks: number): string {
  const plain: Record<string, string> = {
    block1_conv1: 'conv1',
    block1_conv1_bn: 'bn1',
    block1_conv2: 'conv2',
    block1_conv2_bn: 'bn2',
  };
  const p = plain[path];
  if (p !== undefined) return p;
  const m = XCEPTION_PART.exec(path);
  if (m === null) throw new Error(`unmapped Xception layer ${path}`);
  const block = Number(m[1]);
  const sep = Number(m[3]);
  const tail = m[4] as string;
  const last = 6 + middleBlocks;
  if (block === last) {
    // Exit flow's two separable convs: timm's conv3/bn3 and conv4/bn4 (SeparableConv2d: conv1 = depthwise).
    const n = 2 + sep;
    return tail === '_bn' ? `bn${n}` : `conv${n}.${tail === '/depthwise' ? 'conv1' : 'pointwise'}`;
  }
  const t = `block${block - 1}`;
  if (m[2] === 'residual') return `${t}.skip`;
  if (m[2] === 'residual_bn') return `${t}.skipbn`;
  // timm's Block.rep is [ReLU, SepConv, BN] per separable conv, without the first ReLU in the entry block.
  const at = 3 * (sep - 1) + (block === 2 ? 0 : 1);
  return tail === '_bn'
    ? `${t}.rep.${at + 1}`
    : `${t}.rep.${at}.${tail === '/depthwise' ? 'conv1' : 'pointwise'}`;
}

function torchShapeOf(layout: Layout, shape: readonly number[]): number[] {
  const [h, w, i, o] = shape as [number, number, number, number];
  if (layout === 'conv') return [o, i, h, w];
  if (layout === 'depthwise') return [i, 1, h, w];
  return [...shape];
}

/**
 * Every backbone weight of a detector with its state-dict key in `format` (default: the format the config matches).
 * Throws `invalid-config` when the detector's architecture differs from the format's.
 */
export function torchKeys(
  config: DetectorConfig,
  weights: readonly WeightInfo[],
  format: TorchFormat,
): TorchKey[] {
  const problem = configProblem(config, format);
  if (problem !== undefined) throw new DetectorError('invalid-config', problem);
  const b = config.backbone;
  const blockIndex = new Map<string, number>();
  const out: TorchKey[] = [];
  for (const w of weights) {
    if (w.group !== 'backbone') continue;
    const parts = w.name.split('/');
    const param = parts.pop() as string;
    const path = parts.slice(1).join('/');
    let module: string;
    if (b.kind === 'resnet18') module = resnetModule(path);
    else if (b.kind === 'efficientnet') {
      const blk = /^block(\d+[a-z])_/.exec(path)?.[1];
      if (blk !== undefined && !blockIndex.has(blk)) blockIndex.set(blk, blockIndex.size);
      module = efficientnetModule(path, format, blockIndex);
    } else if (b.kind === 'xception') module = xceptionModule(path, b.middleBlocks);
    else throw new DetectorError('invalid-config', 'the small CNN has no published PyTorch layout');
    const layout: Layout =
      w.shape.length === 1 ? 'vector' : /dwconv|\/depthwise/.test(path) ? 'depthwise' : 'conv';
    out.push({
      name: w.name,
      key: `${module}.${SUFFIX[param]}`,
      layout,
      shape: w.shape,
      torchShape: torchShapeOf(layout, w.shape),
    });
  }
  return out;
}

/** The published classifier kept by `keepHead`: logits = f Wᵀ + b over the detector's pooled features. */
export class LinearClassifier {
  constructor(
    /** [K, D], PyTorch's orientation. */
    readonly weight: tf.Tensor2D,
    /** [K]. */
    readonly bias: tf.Tensor1D,
  ) {}

  /** Logits [N, K] of features f [N, D]. */
  logits(f: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.add(tf.matMul(f, this.weight, false, true), this.bias));
  }

  dispose(): void {
    tf.dispose([this.weight, this.bias]);
  }
}

/** Options of {@link loadTorchWeights}. */
export interface TorchLoadOptions {
  /** The file's layout. Default: the one the detector's config matches ({@link torchFormatOf}). */
  format?: TorchFormat;
  /** Return the file's plain classifier as {@link TorchLoadReport.classifier} instead of dropping it. */
  keepHead?: boolean;
  /** Accept state-dict keys that map to nothing (listed in the report). Default false: they throw. */
  allowUnused?: boolean;
}

/** What {@link loadTorchWeights} did. */
export interface TorchLoadReport {
  format: TorchFormat;
  /** Detector weights assigned. */
  loaded: string[];
  /** Detector weights left as they were (only the head's may be; the backbone's must all be in the file). */
  missing: string[];
  /** State-dict keys used by nothing (allowed by `allowUnused`). */
  unused: string[];
  /** Keys deliberately skipped: `num_batches_tracked`, and a plain classifier not kept. */
  ignored: string[];
  /** The file's plain classifier, with `keepHead` (the caller disposes it). */
  classifier?: LinearClassifier;
}

function shapeText(s: readonly number[]): string {
  return `[${s.join(', ')}]`;
}

function toLayout(t: FloatTensor, layout: Layout, want: readonly number[]): tf.Tensor {
  return tf.tidy(() => {
    const x = tf.tensor(t.data, t.shape, 'float32');
    if (layout === 'vector') return x;
    // Cadene's Xception stores pointwise kernels as [O, I]; the 1×1 is implicit.
    const x4 = x.rank === 2 ? tf.reshape(x, [...t.shape, 1, 1]) : x;
    return tf.reshape(tf.transpose(x4, layout === 'conv' ? [2, 3, 1, 0] : [2, 3, 0, 1]), [...want]);
  });
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Loads a PyTorch state dict saved as safetensors (`safetensors.torch.save_file(model.state_dict(), path)`) into a
 * detector. Every backbone weight must be present with the expected shape (the error names the key, the expected
 * and the found shape); nothing is assigned unless every check passes. A head written by {@link saveTorchWeights}
 * loads into the detector's head; a published classifier is dropped or kept (`keepHead`).
 */
export async function loadTorchWeights(
  detector: Detector,
  file: string,
  options: TorchLoadOptions = {},
): Promise<TorchLoadReport> {
  const format = options.format ?? torchFormatOf(detector.config);
  if (format === undefined) {
    const why = TORCH_FORMATS.map((f) => `${f}: ${configProblem(detector.config, f)}`).join('; ');
    throw new DetectorError(
      'invalid-config',
      `${file}: the detector matches no PyTorch weight format (${why})`,
      {
        file,
      },
    );
  }
  const st = await SafetensorsFile.read(file);
  const keys = torchKeys(detector.config, detector.weightInfo(), format);
  const kind = detector.config.backbone.kind;
  const slot = headSlot(format, kind);
  const P = detector.head.projectionDim;
  const D = detector.featureDim;
  const headKeys: Array<{ key: string; name: string; shape: number[]; ours: number[] }> = [
    { key: `${slot}.0.weight`, name: 'head/Wp', shape: [P, D], ours: [P, D] },
    { key: `${slot}.0.bias`, name: 'head/bp', shape: [P], ours: [P] },
    { key: `${slot}.2.weight`, name: 'head/v', shape: [1, P], ours: [P] },
    { key: `${slot}.2.bias`, name: 'head/b', shape: [1], ours: [] },
  ];
  const used = new Set<string>();
  const ignored: string[] = [];
  const tensors: tf.NamedTensorMap = {};
  const missingKeys: string[] = [];
  try {
    for (const k of keys) {
      const e = st.entries.get(k.key);
      if (e === undefined) {
        missingKeys.push(`${k.key} (${k.name})`);
        continue;
      }
      const found = e.shape;
      const pointwise2d =
        k.layout === 'conv' &&
        found.length === 2 &&
        sameShape(found, k.torchShape.slice(0, 2)) &&
        k.torchShape[2] === 1 &&
        k.torchShape[3] === 1;
      if (!sameShape(found, k.torchShape) && !pointwise2d) {
        throw new DetectorError(
          'shape-mismatch',
          `${file}: '${k.key}' (detector weight '${k.name}') should have shape ${shapeText(k.torchShape)} but has ${shapeText(found)}`,
          { file, weight: k.name },
        );
      }
      tensors[k.name] = toLayout(st.float32(k.key), k.layout, k.shape);
      used.add(k.key);
    }
    if (missingKeys.length > 0) {
      throw new DetectorError(
        'missing-weight',
        `${file} lacks ${missingKeys.length} '${format}' key(s) the detector needs: ${missingKeys.slice(0, 8).join(', ')}${missingKeys.length > 8 ? ', ...' : ''}`,
        { file },
      );
    }
    if (headKeys.every((h) => st.entries.has(h.key))) {
      for (const h of headKeys) {
        const found = (st.entries.get(h.key) as { shape: number[] }).shape;
        if (!sameShape(found, h.shape)) {
          throw new DetectorError(
            'shape-mismatch',
            `${file}: '${h.key}' (detector weight '${h.name}') should have shape ${shapeText(h.shape)} but has ${shapeText(found)}`,
            { file, weight: h.name },
          );
        }
        const t = st.float32(h.key);
        tensors[h.name] = tf.tensor(t.data, h.ours, 'float32');
        used.add(h.key);
      }
    }
    let classifier: LinearClassifier | undefined;
    const cls = classifierKeys(format, kind).find((c) => st.entries.has(`${c}.weight`));
    if (cls !== undefined) {
      const w = st.float32(`${cls}.weight`);
      const bias = st.entries.has(`${cls}.bias`) ? st.float32(`${cls}.bias`) : undefined;
      const K = w.shape[0] as number;
      if (w.shape.length !== 2 || w.shape[1] !== D || (bias !== undefined && !sameShape(bias.shape, [K]))) {
        throw new DetectorError(
          'shape-mismatch',
          `${file}: classifier '${cls}.weight' should have shape [K, ${D}] (bias [K]) but has ${shapeText(w.shape)}${bias === undefined ? '' : ` (bias ${shapeText(bias.shape)})`}`,
          { file },
        );
      }
      for (const s of ['weight', 'bias']) if (st.entries.has(`${cls}.${s}`)) used.add(`${cls}.${s}`);
      if (options.keepHead === true) {
        classifier = new LinearClassifier(
          tf.tensor2d(w.data, [K, D]),
          bias === undefined ? tf.zeros([K]) : tf.tensor1d(bias.data),
        );
      } else {
        ignored.push(...[`${cls}.weight`, `${cls}.bias`].filter((k) => st.entries.has(k)));
      }
    }
    for (const k of st.names()) {
      if (k.endsWith('.num_batches_tracked')) {
        ignored.push(k);
        used.add(k);
      }
    }
    const unused = st.names().filter((k) => !used.has(k));
    if (unused.length > 0 && options.allowUnused !== true) {
      throw new DetectorError(
        'unexpected-weight',
        `${file} holds ${unused.length} key(s) the '${format}' layout does not use: ${unused.slice(0, 8).join(', ')}${unused.length > 8 ? ', ...' : ''} (pass allowUnused to ignore them)`,
        { file },
      );
    }
    const r = assignWeights(detector, tensors, file, {
      rename: (n) => n,
      allowMissing: (n) => n.startsWith('head/'),
      allowUnexpected: false,
    });
    return {
      format,
      loaded: r.loaded,
      missing: r.missing,
      unused,
      ignored,
      ...(classifier === undefined ? {} : { classifier }),
    };
  } finally {
    tf.dispose(tensors);
  }
}

/**
 * The detector's weights as a PyTorch state dict in `format` (default: the one its config matches): backbone
 * under the format's names, the projection head as `<slot>.0` (Linear D -> P) and `<slot>.2` (Linear P -> 1),
 * where `<slot>` is `fc` (ResNet, Xception), `classifier` (torchvision EfficientNet) or `_fc`.
 */
export async function torchStateDict(
  detector: Detector,
  format: TorchFormat | undefined = torchFormatOf(detector.config),
): Promise<Map<string, FloatTensor>> {
  if (format === undefined) {
    throw new DetectorError('invalid-config', 'the detector matches no PyTorch weight format');
  }
  const keys = torchKeys(detector.config, detector.weightInfo(), format);
  const named = detector.namedWeights();
  const out = new Map<string, FloatTensor>();
  for (const k of keys) {
    const v = named.get(k.name) as tf.Variable;
    const t = tf.tidy(() =>
      k.layout === 'vector'
        ? tf.clone(v)
        : tf.transpose(v, k.layout === 'conv' ? [3, 2, 0, 1] : [2, 3, 0, 1]),
    );
    out.set(k.key, { shape: k.torchShape, data: (await t.data()) as Float32Array });
    t.dispose();
  }
  const slot = headSlot(format, detector.config.backbone.kind);
  const { Wp, bp, v, b } = detector.head.vars;
  const P = detector.head.projectionDim;
  out.set(`${slot}.0.weight`, { shape: [P, detector.featureDim], data: (await Wp.data()) as Float32Array });
  out.set(`${slot}.0.bias`, { shape: [P], data: (await bp.data()) as Float32Array });
  out.set(`${slot}.2.weight`, { shape: [1, P], data: (await v.data()) as Float32Array });
  out.set(`${slot}.2.bias`, { shape: [1], data: (await b.data()) as Float32Array });
  return out;
}

/** Writes {@link torchStateDict} as a safetensors file (atomically), loadable with `model.load_state_dict`. */
export async function saveTorchWeights(
  detector: Detector,
  file: string,
  format?: TorchFormat,
): Promise<void> {
  const dict = await torchStateDict(detector, format);
  const f = format ?? (torchFormatOf(detector.config) as TorchFormat);
  await writeSafetensors(file, dict, { format: f, activation: detector.config.activation });
}
