// tfjs-core's Node build registers no gradients; tfjs-layers' Node bundle registers all of them (see
// @cs-dfd/backend's gradients.ts). Importing it here makes `tf.variableGrads` over a detector work by itself.
import '@tensorflow/tfjs-layers';
import { bceWithLogits } from '@cs-dfd/backend/ops';
import * as tf from '@tensorflow/tfjs-core';
import { EfficientNet } from './backbones/efficientnet.js';
import { ResNet18 } from './backbones/resnet.js';
import { SmallCnn } from './backbones/small-cnn.js';
import type { Backbone } from './backbones/types.js';
import { Xception } from './backbones/xception.js';
import {
  type DetectorConfig,
  type DetectorOptions,
  IMAGENET_MEAN,
  IMAGENET_STD,
  resolveConfig,
} from './config.js';
import { DetectorError } from './errors.js';
import { ProjectionHead } from './head.js';
import { type ForwardContext, globalAveragePool } from './layers.js';
import { type Param, type ParamGroup, ParamTable } from './params.js';

/** Options of a training-mode forward pass. */
export interface ForwardOptions {
  /**
   * Fold the batch statistics into BatchNorm's moving statistics. Default: same as `training`. Pass false for a
   * second forward over the same batch (e.g. feature-cotangent mode's per-source backward), so one step updates
   * the statistics once.
   */
  updateStats?: boolean;
}

/** Parameter counts of one detector. `trainable` parameters get gradients; `state` is BatchNorm's moving stats. */
export interface ParameterCount {
  backbone: { trainable: number; state: number };
  head: { trainable: number };
  trainable: number;
  state: number;
  /** trainable + state: what Keras's `model.summary()` calls "Total params". */
  total: number;
}

/** One weight: its stable logical name (the key in saved files), shape, role and whether it trains. */
export interface WeightInfo {
  name: string;
  shape: readonly number[];
  group: ParamGroup;
  trainable: boolean;
}

interface Structure {
  table: ParamTable;
  backbone: Backbone;
  head: ProjectionHead;
}

function build(config: DetectorConfig): Structure {
  const table = new ParamTable();
  const scope = table.scope('backbone', 'backbone');
  const b = config.backbone;
  let backbone: Backbone;
  switch (b.kind) {
    case 'small-cnn':
      backbone = new SmallCnn(scope, b, config.batchNorm);
      break;
    case 'resnet18':
      backbone = new ResNet18(scope, b, config.batchNorm);
      break;
    case 'efficientnet':
      backbone = new EfficientNet(scope, b, config.batchNorm);
      break;
    case 'xception':
      backbone = new Xception(scope, b, config.batchNorm);
      break;
  }
  const head = new ProjectionHead(
    table.scope('head', 'head'),
    backbone.featureDim,
    config.projectionDim,
    config.activation,
  );
  return { table, backbone, head };
}

function countOf(params: readonly Param[]): ParameterCount {
  const sum = (f: (p: Param) => boolean) => params.filter(f).reduce((a, p) => a + p.size, 0);
  const backbone = {
    trainable: sum((p) => p.group === 'backbone' && p.trainable),
    state: sum((p) => p.group === 'backbone' && !p.trainable),
  };
  const head = { trainable: sum((p) => p.group === 'head' && p.trainable) };
  const trainable = backbone.trainable + head.trainable;
  const state = sum((p) => !p.trainable);
  return { backbone, head, trainable, state, total: trainable + state };
}

/** What a detector with these options would hold, computed without allocating any tensor. */
export interface DetectorDescription {
  config: DetectorConfig;
  featureDim: number;
  weights: WeightInfo[];
  parameters: ParameterCount;
}

/** Describes a detector (config, feature dimension, weights, parameter counts) without creating it. */
export function describeDetector(options: DetectorOptions = {}): DetectorDescription {
  const config = resolveConfig(options);
  const { table, backbone } = build(config);
  return {
    config,
    featureDim: backbone.featureDim,
    weights: table
      .all()
      .map((p) => ({ name: p.name, shape: p.shape, group: p.group, trainable: p.trainable })),
    parameters: countOf(table.all()),
  };
}

/**
 * A deepfake detector: backbone E (image -> f ∈ R^D) -> projection (u = W_p f + b_p, z = φ(u)) -> classifier
 * (s = vᵀz + b, one logit; label 1 = fake). All math is tfjs-core on `tf.Variable`s, so it trains inside
 * `tf.variableGrads` / `tf.grads` on any backend. Inputs are float images [N, S, S, 3] with S = `config.inputSize`
 * (the `@cs-dfd/data` loaders give [0, 1]).
 */
export class Detector {
  readonly config: DetectorConfig;
  /** The projection + classifier head (DESIGN §6). */
  readonly head: ProjectionHead;
  /** D. */
  readonly featureDim: number;
  private readonly table: ParamTable;
  private readonly backbone: Backbone;
  private disposed = false;
  /**
   * Freeze BatchNorm: training-mode forwards use (and keep) the moving statistics, as PyTorch's `model.eval()` on
   * the BatchNorm layers does when fine-tuning pretrained weights on small batches. Not saved; default false.
   */
  freezeBatchNorm = false;

  /** Builds and initialises a detector (seeded by `options.seed`). */
  constructor(options: DetectorOptions = {}) {
    this.config = resolveConfig(options);
    const s = build(this.config);
    this.table = s.table;
    this.backbone = s.backbone;
    this.head = s.head;
    this.featureDim = s.backbone.featureDim;
    this.table.materialize(this.config.seed);
  }

  /**
   * Pooled backbone features f [N, D] = {@link Detector.pool}({@link Detector.featureMap}(x)). `training` selects
   * BatchNorm's batch (true) or moving statistics.
   */
  features(x: tf.Tensor4D, training = false, options: ForwardOptions = {}): tf.Tensor2D {
    return tf.tidy(() => this.pool(this.featureMap(x, training, options)));
  }

  /**
   * The backbone's last convolutional feature map A [N, h, w, D] (after its activation, before pooling): what
   * Grad-CAM weights. h = w is the input side divided by the backbone's total stride (rounded up per stride).
   */
  featureMap(x: tf.Tensor4D, training = false, options: ForwardOptions = {}): tf.Tensor4D {
    this.check(x);
    const bnTraining = training && !this.freezeBatchNorm;
    const ctx: ForwardContext = {
      training: bnTraining,
      updateStats: bnTraining && (options.updateStats ?? true),
    };
    if (this.config.inputNormalization === 'none') return this.backbone.featureMap(x, ctx);
    return tf.tidy(() => {
      const normalized = tf.div(
        tf.sub(x, IMAGENET_MEAN as unknown as number[]),
        IMAGENET_STD as unknown as number[],
      );
      return this.backbone.featureMap(normalized as tf.Tensor4D, ctx);
    });
  }

  /** The pooling step from a feature map [N, h, w, D] to features [N, D]: the mean over (h, w). */
  pool(map: tf.Tensor4D): tf.Tensor2D {
    if (map.rank !== 4 || map.shape[3] !== this.featureDim) {
      throw new DetectorError(
        'invalid-input',
        `feature map must have shape [N, h, w, ${this.featureDim}] (featureDim ${this.featureDim}), got [${map.shape.join(', ')}]`,
      );
    }
    return globalAveragePool(map);
  }

  /** Logits s [N]. */
  logits(x: tf.Tensor4D, training = false, options: ForwardOptions = {}): tf.Tensor1D {
    return tf.tidy(() => this.head.logits(this.features(x, training, options)));
  }

  /** P(fake) [N], in inference mode (moving BatchNorm statistics, nothing updated). */
  predict(x: tf.Tensor4D): tf.Tensor1D {
    return tf.tidy(() => tf.sigmoid(this.logits(x, false)));
  }

  /**
   * Mean binary cross-entropy with logits against labels y [N] in [0, 1] (1 = fake), via the second-order-safe
   * softplus(s) - y·s. Training mode by default (what a training step differentiates).
   */
  loss(x: tf.Tensor4D, y: tf.Tensor1D, training = true, options: ForwardOptions = {}): tf.Scalar {
    if (y.rank !== 1 || y.shape[0] !== x.shape[0]) {
      throw new DetectorError(
        'invalid-input',
        `labels must have shape [${x.shape[0]}] (one per image), got [${y.shape.join(', ')}]`,
      );
    }
    return tf.tidy(
      () => bceWithLogits(this.logits(x, training, options), tf.cast(y, 'float32')) as tf.Scalar,
    );
  }

  /** Trainable backbone variables, in declaration order. */
  backboneVariables(): tf.Variable[] {
    return this.vars((p) => p.group === 'backbone' && p.trainable);
  }

  /** The head's variables [Wp, bp, v, b]. */
  headVariables(): tf.Variable[] {
    this.alive();
    return this.head.variables();
  }

  /** Backbone then head trainable variables. */
  trainableVariables(): tf.Variable[] {
    return [...this.backboneVariables(), ...this.headVariables()];
  }

  /** BatchNorm moving statistics (not trainable; saved with the weights). */
  stateVariables(): tf.Variable[] {
    return this.vars((p) => !p.trainable);
  }

  /** Every weight by logical name (the names used in saved files), in declaration order. */
  namedWeights(): Map<string, tf.Variable> {
    this.alive();
    return new Map(this.table.all().map((p) => [p.name, p.value]));
  }

  /** Name, shape, group and trainability of every weight. */
  weightInfo(): WeightInfo[] {
    return this.table
      .all()
      .map((p) => ({ name: p.name, shape: p.shape, group: p.group, trainable: p.trainable }));
  }

  /** Parameter counts (computed from the declared shapes). */
  parameterCount(): ParameterCount {
    return countOf(this.table.all());
  }

  /**
   * The backbone as `@cs-dfd/multitask`'s `{ variables, apply }`. `apply` runs in the given mode; by default
   * training mode without moving-statistics updates, because feature-cotangent mode runs the backbone more
   * than once per step.
   */
  asBackbone(
    training = true,
    options: ForwardOptions = { updateStats: false },
  ): { variables: tf.Variable[]; apply: (x: tf.Tensor) => tf.Tensor2D } {
    return {
      variables: this.backboneVariables(),
      apply: (x) => this.features(x as tf.Tensor4D, training, options),
    };
  }

  /** Frees every variable. The detector is unusable afterwards (calls throw `disposed`). Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.table.dispose();
  }

  /** Whether {@link dispose} was called. */
  get isDisposed(): boolean {
    return this.disposed;
  }

  private vars(f: (p: Param) => boolean): tf.Variable[] {
    this.alive();
    return this.table
      .all()
      .filter(f)
      .map((p) => p.value);
  }

  private alive(): void {
    if (this.disposed) throw new DetectorError('disposed', 'this detector was disposed');
  }

  private check(x: tf.Tensor): void {
    this.alive();
    const S = this.config.inputSize;
    const [n, h, w, c] = x.shape;
    if (x.rank !== 4 || h !== S || w !== S || c !== 3 || n === undefined || n < 1) {
      throw new DetectorError(
        'invalid-input',
        `images must have shape [N >= 1, ${S}, ${S}, 3] (inputSize ${S}, NHWC), got [${x.shape.join(', ')}]`,
      );
    }
    if (x.dtype !== 'float32') {
      throw new DetectorError('invalid-input', `images must be float32, got ${x.dtype}`);
    }
  }
}

/** Builds a detector. Same as `new Detector(options)`. */
export function createDetector(options: DetectorOptions = {}): Detector {
  return new Detector(options);
}
