/**
 * The detector head of DESIGN §6, written as explicit tfjs-core math on four named variables so that CGR can form
 * per-source head gradients in closed form:
 *
 *   u = W_p f + b_p,   z = φ(u),   s = vᵀ z + b,   loss = mean BCE(s, y)
 *
 * with W_p [P, D] (the orientation of the formula, so a closed-form ∇_{W_p} = mean δ fᵀ has the variable's shape),
 * b_p [P], v [P], b [] (a scalar). φ and φ' use `@cs-dfd/backend/ops`, whose sigmoid/tanh/softplus have correct
 * higher-order gradients (tfjs's own lose terms at second order).
 */
import { bceWithLogits, sigmoid, softplus, tanh } from '@cs-dfd/backend/ops';
import * as tf from '@tensorflow/tfjs-core';
import { DetectorError } from './errors.js';
import type { Param, ParamScope } from './params.js';

/** The smooth projection non-linearities. */
export const ACTIVATIONS = ['softplus', 'tanh', 'gelu-tanh'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const GELU_C = 0.044715;

/** φ(u). */
export function phi(activation: Activation, u: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    switch (activation) {
      case 'softplus':
        return softplus(u);
      case 'tanh':
        return tanh(u);
      case 'gelu-tanh': {
        // GELU, tanh approximation (Hendrycks & Gimpel): ½u(1 + tanh(√(2/π)(u + 0.044715u³))).
        const t = tanh(tf.mul(SQRT_2_OVER_PI, tf.add(u, tf.mul(GELU_C, tf.pow(u, 3)))));
        return tf.mul(tf.mul(0.5, u), tf.add(1, t));
      }
    }
  });
}

/**
 * φ'(u) as a forward expression (differentiable again, so autodiff of CGR's closed-form head gradients gives exact
 * second-order terms): softplus' = σ(u); tanh' = 1 - tanh²(u);
 * gelu-tanh' = ½(1 + t) + ½u(1 - t²)·√(2/π)(1 + 3·0.044715u²), t = tanh(√(2/π)(u + 0.044715u³)).
 */
export function phiPrime(activation: Activation, u: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    switch (activation) {
      case 'softplus':
        return sigmoid(u);
      case 'tanh':
        return tf.sub(1, tf.square(tanh(u)));
      case 'gelu-tanh': {
        const t = tanh(tf.mul(SQRT_2_OVER_PI, tf.add(u, tf.mul(GELU_C, tf.pow(u, 3)))));
        const inner = tf.mul(SQRT_2_OVER_PI, tf.add(1, tf.mul(3 * GELU_C, tf.square(u))));
        return tf.add(
          tf.mul(0.5, tf.add(1, t)),
          tf.mul(tf.mul(0.5, u), tf.mul(tf.sub(1, tf.square(t)), inner)),
        );
      }
    }
  });
}

/** The head's variables by role. */
export interface HeadVariables {
  /** Projection weight, [P, D]. */
  Wp: tf.Variable;
  /** Projection bias, [P]. */
  bp: tf.Variable;
  /** Classifier weight, [P]. */
  v: tf.Variable;
  /** Classifier bias, scalar. */
  b: tf.Variable;
}

/** u and z = φ(u) of a batch of features. */
export interface Projection {
  /** Pre-activation, [N, P]. */
  u: tf.Tensor2D;
  /** Projected features, [N, P]. */
  z: tf.Tensor2D;
}

/** Projection + one-logit classifier on top of D-dimensional features. */
export class ProjectionHead {
  private readonly params: { Wp: Param; bp: Param; v: Param; b: Param };

  /** @internal A detector builds its head on its own parameter table ({@link createDetector}). */
  constructor(
    scope: ParamScope,
    /** Feature dimension D. */
    readonly inputDim: number,
    /** Projection dimension P. */
    readonly projectionDim: number,
    /** φ. */
    readonly activation: Activation,
  ) {
    const glorot = (fanIn: number, fanOut: number) => ({
      kind: 'uniform' as const,
      limit: Math.sqrt(6 / (fanIn + fanOut)),
    });
    this.params = {
      Wp: scope.param('Wp', [projectionDim, inputDim], glorot(inputDim, projectionDim)),
      bp: scope.param('bp', [projectionDim], { kind: 'constant', value: 0 }),
      v: scope.param('v', [projectionDim], glorot(projectionDim, 1)),
      b: scope.param('b', [], { kind: 'constant', value: 0 }),
    };
  }

  /** The four variables by role. */
  get vars(): HeadVariables {
    const p = this.params;
    return { Wp: p.Wp.value, bp: p.bp.value, v: p.v.value, b: p.b.value };
  }

  /** [Wp, bp, v, b]. */
  variables(): tf.Variable[] {
    const { Wp, bp, v, b } = this.vars;
    return [Wp, bp, v, b];
  }

  /** u = f W_pᵀ + b_p and z = φ(u), for features f [N, D]. */
  project(f: tf.Tensor2D): Projection {
    this.checkFeatures(f);
    const { Wp, bp } = this.vars;
    const u = tf.add(tf.matMul(f, Wp, false, true), bp) as tf.Tensor2D;
    return { u, z: phi(this.activation, u) as tf.Tensor2D };
  }

  /** s = z v + b, [N], from projected features z [N, P]. */
  classify(z: tf.Tensor2D): tf.Tensor1D {
    const { v, b } = this.vars;
    return tf.add(tf.reshape(tf.matMul(z, tf.reshape(v, [this.projectionDim, 1])), [-1]), b) as tf.Tensor1D;
  }

  /** Logits s [N] of features f [N, D]. */
  logits(f: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => this.classify(this.project(f).z));
  }

  /** φ(u) with this head's activation. */
  phi(u: tf.Tensor): tf.Tensor {
    return phi(this.activation, u);
  }

  /** φ'(u) with this head's activation, as a differentiable forward expression. */
  phiPrime(u: tf.Tensor): tf.Tensor {
    return phiPrime(this.activation, u);
  }

  /** Mean BCE with logits of features f [N, D] against labels y [N] in [0, 1] (1 = fake). */
  loss(f: tf.Tensor2D, y: tf.Tensor1D): tf.Scalar {
    return tf.tidy(() => bceWithLogits(this.logits(f), y) as tf.Scalar);
  }

  private checkFeatures(f: tf.Tensor): void {
    if (f.rank !== 2 || f.shape[1] !== this.inputDim) {
      throw new DetectorError(
        'invalid-input',
        `head: features must have shape [N, ${this.inputDim}], got [${f.shape.join(', ')}]`,
      );
    }
  }
}
