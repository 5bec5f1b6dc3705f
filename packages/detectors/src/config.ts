import {
  EFFICIENTNET_DEFAULTS,
  EFFICIENTNET_VARIANTS,
  type EfficientNetOptions,
} from './backbones/efficientnet.js';
import { RESNET_DEFAULTS, type ResNetOptions } from './backbones/resnet.js';
import { SMALL_CNN_DEFAULTS, type SmallCnnOptions } from './backbones/small-cnn.js';
import { XCEPTION_DEFAULTS, type XceptionOptions } from './backbones/xception.js';
import { checkChoice, checkNumber, DetectorError } from './errors.js';
import { ACTIVATIONS, type Activation } from './head.js';
import { type BatchNormOptions, CONV_PADDINGS } from './layers.js';

/** A backbone and its options, every field filled. */
export type BackboneOptions = SmallCnnOptions | ResNetOptions | EfficientNetOptions | XceptionOptions;
export type BackboneKind = BackboneOptions['kind'];
export const BACKBONE_KINDS: readonly BackboneKind[] = ['small-cnn', 'resnet18', 'efficientnet', 'xception'];

/** What a user passes: a backbone kind with any of its options. */
export type BackboneSpec =
  | ({ kind: 'small-cnn' } & Partial<Omit<SmallCnnOptions, 'kind'>>)
  | ({ kind: 'resnet18' } & Partial<Omit<ResNetOptions, 'kind'>>)
  | ({ kind: 'efficientnet' } & Partial<Omit<EfficientNetOptions, 'kind'>>)
  | ({ kind: 'xception' } & Partial<Omit<XceptionOptions, 'kind'>>);

/** Options of {@link createDetector}. Everything is optional; the default is the small CNN at 64×64. */
export interface DetectorOptions {
  /** The backbone. Default `{ kind: 'small-cnn' }`. A bare kind string is accepted too. */
  backbone?: BackboneSpec | BackboneKind;
  /** Square input side in pixels. Default 64 for the small CNN, 224 for the others (their ImageNet size). */
  inputSize?: number;
  /** Projection dimension P. Default 128. */
  projectionDim?: number;
  /** φ. Default `softplus` (see the README for why). */
  activation?: Activation;
  /** BatchNorm momentum (fraction kept) and epsilon. Default momentum 0.9; epsilon 1e-5 for ResNet, 1e-3 otherwise. */
  batchNorm?: Partial<BatchNormOptions>;
  /** Initialisation seed. Default 0. */
  seed?: number;
  /**
   * What the detector does to its [0, 1] input before the backbone: `none`, or `imagenet` ((x − mean) / std with
   * torchvision's ImageNet mean [0.485, 0.456, 0.406] and std [0.229, 0.224, 0.225], what torchvision, timm and
   * efficientnet_pytorch weights expect). Part of the saved config, so a loaded model normalises as it was
   * trained. Default `none`.
   */
  inputNormalization?: InputNormalization;
}

export const INPUT_NORMALIZATIONS = ['none', 'imagenet'] as const;
export type InputNormalization = (typeof INPUT_NORMALIZATIONS)[number];
/** torchvision's ImageNet channel mean and standard deviation (RGB). */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

/** The complete configuration a detector is built from (and that its model.json stores). */
export interface DetectorConfig {
  backbone: BackboneOptions;
  inputSize: number;
  projectionDim: number;
  activation: Activation;
  batchNorm: BatchNormOptions;
  seed: number;
  inputNormalization: InputNormalization;
}

/**
 * Smallest input side each backbone accepts: the small CNN halves per block; Xception's two valid 3×3 convs need
 * 7 pixels; ResNet and EfficientNet reach 1×1 by 32 (their five stride-2 stages).
 */
export function minInputSize(b: BackboneOptions): number {
  switch (b.kind) {
    case 'small-cnn':
      return 2 ** b.channels.length;
    default:
      return 32;
  }
}
export const MAX_INPUT_SIZE = 1024;

function rejectUnknown(field: string, o: object, allowed: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) {
      throw new DetectorError(
        'invalid-config',
        `${field}: unknown option '${k}' (known: ${allowed.join(', ')})`,
      );
    }
  }
}

function resolveBackbone(spec: BackboneSpec | BackboneKind | undefined): BackboneOptions {
  const s: { kind?: unknown } & Record<string, unknown> =
    spec === undefined ? { kind: 'small-cnn' } : typeof spec === 'string' ? { kind: spec } : { ...spec };
  const kind = checkChoice('backbone.kind', s.kind, BACKBONE_KINDS);
  switch (kind) {
    case 'small-cnn': {
      rejectUnknown('backbone', s, ['kind', 'channels', 'batchNorm']);
      const channels = (s.channels ?? SMALL_CNN_DEFAULTS.channels) as unknown;
      if (!Array.isArray(channels) || channels.length < 1 || channels.length > 8) {
        throw new DetectorError(
          'invalid-config',
          `backbone.channels must be an array of 1..8 channel counts, got ${JSON.stringify(channels)}`,
        );
      }
      channels.forEach((c, i) => checkNumber(`backbone.channels[${i}]`, c, 1, 4096, true));
      const batchNorm = s.batchNorm ?? SMALL_CNN_DEFAULTS.batchNorm;
      if (typeof batchNorm !== 'boolean') {
        throw new DetectorError(
          'invalid-config',
          `backbone.batchNorm must be a boolean, got ${JSON.stringify(batchNorm)}`,
        );
      }
      return { kind, channels: [...(channels as number[])], batchNorm };
    }
    case 'resnet18':
      rejectUnknown('backbone', s, ['kind', 'width']);
      return { kind, width: checkNumber('backbone.width', s.width ?? RESNET_DEFAULTS.width, 1 / 64, 8) };
    case 'efficientnet':
      rejectUnknown('backbone', s, ['kind', 'variant', 'width', 'depth', 'padding']);
      return {
        kind,
        variant: checkChoice(
          'backbone.variant',
          s.variant ?? EFFICIENTNET_DEFAULTS.variant,
          EFFICIENTNET_VARIANTS,
        ),
        width: checkNumber('backbone.width', s.width ?? EFFICIENTNET_DEFAULTS.width, 1 / 64, 8),
        depth: checkNumber('backbone.depth', s.depth ?? EFFICIENTNET_DEFAULTS.depth, 0.01, 8),
        padding: checkChoice('backbone.padding', s.padding ?? EFFICIENTNET_DEFAULTS.padding, CONV_PADDINGS),
      };
    case 'xception':
      rejectUnknown('backbone', s, ['kind', 'width', 'middleBlocks', 'padding']);
      return {
        kind,
        width: checkNumber('backbone.width', s.width ?? XCEPTION_DEFAULTS.width, 1 / 64, 8),
        middleBlocks: checkNumber(
          'backbone.middleBlocks',
          s.middleBlocks ?? XCEPTION_DEFAULTS.middleBlocks,
          0,
          64,
          true,
        ),
        padding: checkChoice('backbone.padding', s.padding ?? XCEPTION_DEFAULTS.padding, CONV_PADDINGS),
      };
  }
}

/** Validates options and fills every default; a bad field throws `invalid-config` naming it and its value. */
export function resolveConfig(options: DetectorOptions | DetectorConfig = {}): DetectorConfig {
  rejectUnknown('options', options, [
    'backbone',
    'inputSize',
    'projectionDim',
    'activation',
    'batchNorm',
    'seed',
    'inputNormalization',
  ]);
  const backbone = resolveBackbone(options.backbone);
  const inputSize = checkNumber(
    'inputSize',
    options.inputSize ?? (backbone.kind === 'small-cnn' ? 64 : 224),
    minInputSize(backbone),
    MAX_INPUT_SIZE,
    true,
  );
  const bn = options.batchNorm ?? {};
  rejectUnknown('batchNorm', bn, ['momentum', 'epsilon']);
  return {
    backbone,
    inputSize,
    projectionDim: checkNumber('projectionDim', options.projectionDim ?? 128, 1, 65536, true),
    activation: checkChoice('activation', options.activation ?? 'softplus', ACTIVATIONS),
    batchNorm: {
      momentum: checkNumber('batchNorm.momentum', bn.momentum ?? 0.9, 0, 1),
      epsilon: checkNumber(
        'batchNorm.epsilon',
        bn.epsilon ?? (backbone.kind === 'resnet18' ? 1e-5 : 1e-3),
        1e-12,
        1,
      ),
    },
    seed: checkNumber('seed', options.seed ?? 0, 0, 2 ** 32 - 1, true),
    inputNormalization: checkChoice(
      'inputNormalization',
      options.inputNormalization ?? 'none',
      INPUT_NORMALIZATIONS,
    ),
  };
}
