/**
 * The heads the Conflict Descent Loss works on (DESIGN §6).
 *
 * A {@link StandardHead} is the detector head of §6 — u = W_p f + b_p, z = φ(u), s = vᵀz + b, BCE — given by its
 * four tensors and φ, φ′. `@cs-dfd/detectors`' `ProjectionHead` has exactly this shape (`vars`, `phi`,
 * `phiPrime`) and plugs in as it is. A {@link GenericHead} is any other head: its per-source loss and the
 * parameters whose per-source gradients are compared; `generic` mode differentiates it twice.
 */
import { bceWithLogits, sigmoid, softplus, tanh } from '@cs-dfd/backend/ops';
import * as tf from '@tensorflow/tfjs-core';
import { ConflictLossError } from './errors.js';

/** The four head tensors by role (variables in training, any tensors in tests). */
export interface StandardHeadParams {
  /** Projection weight W_p, [P, D] (the orientation of u = W_p f, so ∇_{W_p} = mean δ fᵀ has its shape). */
  readonly Wp: tf.Tensor;
  /** Projection bias b_p, [P]. */
  readonly bp: tf.Tensor;
  /** Classifier weight v, [P]. */
  readonly v: tf.Tensor;
  /** Classifier bias b, scalar. */
  readonly b: tf.Tensor;
}

/** u = W_p f + b_p, z = φ(u), s = vᵀz + b, mean BCE. */
export interface StandardHead {
  readonly vars: StandardHeadParams;
  /** φ, elementwise. */
  phi(u: tf.Tensor): tf.Tensor;
  /**
   * φ′ as a forward expression. `exact` mode differentiates it once, so its ops need a correct *first* derivative
   * (tfjs's own ops do); `generic` mode needs φ itself to be differentiable twice (use `@cs-dfd/backend/ops`).
   */
  phiPrime(u: tf.Tensor): tf.Tensor;
}

/** Any head, for `generic` mode. */
export interface GenericHead {
  /** Parameters whose per-source gradients h_k are compared (the projection, for a standard head). */
  readonly params: readonly tf.Tensor[];
  /**
   * Mean loss of features [n, D] with labels [n]. It must use `params` (by closure) and ops whose gradient is
   * differentiable again: `@cs-dfd/backend/ops` (sigmoid, tanh, softplus, bceWithLogits, …), not tfjs's sigmoid,
   * tanh, exp, softmax or `tf.losses.sigmoidCrossEntropy`, whose second derivatives are silently wrong (§12).
   */
  loss(features: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar;
}

/** Smooth projection non-linearities with φ and φ′ built from second-order-safe ops. */
export type ActivationName = 'identity' | 'softplus' | 'tanh';

/** φ and φ′ of a named activation (`identity` is the linear φ whose curvature factor φ′ = 1 is constant). */
export function activation(name: ActivationName): Pick<StandardHead, 'phi' | 'phiPrime'> {
  switch (name) {
    case 'identity':
      return { phi: (u) => tf.clone(u), phiPrime: (u) => tf.onesLike(u) };
    case 'softplus':
      return { phi: (u) => softplus(u), phiPrime: (u) => sigmoid(u) };
    case 'tanh':
      return { phi: (u) => tanh(u), phiPrime: (u) => tf.tidy(() => tf.sub(1, tf.square(tanh(u)))) };
    default:
      throw new ConflictLossError(
        'invalid-option',
        'activation',
        `'${String(name)}' is not identity, softplus or tanh`,
      );
  }
}

/** A standard head from its tensors and a named activation. */
export function standardHead(params: StandardHeadParams, name: ActivationName): StandardHead {
  return { vars: params, ...activation(name) };
}

/**
 * A head with its kind settled: the entry points (`conflictDescentLoss`, `headGradients`, `conflictExtra`,
 * `cgrStep`) resolve it once and pass this on, so nothing below them re-checks the head's shape.
 */
export type ResolvedHead = StandardKind | { readonly kind: 'generic'; readonly head: GenericHead };

/** A {@link ResolvedHead} of kind `standard`. */
export type StandardKind = { readonly kind: 'standard'; readonly head: StandardHead };

/** The head's kind (standard when it has both shapes), or undefined when it is neither. */
export function resolveHead(head: StandardHead | GenericHead): ResolvedHead | undefined {
  if (isStandardHead(head)) return { kind: 'standard', head };
  if (isGenericHead(head)) return { kind: 'generic', head };
  return undefined;
}

/** True for a {@link StandardHead} (checked structurally: `vars` and `phiPrime`). */
export function isStandardHead(head: unknown): head is StandardHead {
  const h = head as Partial<StandardHead> | null;
  return (
    typeof h === 'object' && h !== null && typeof h.phiPrime === 'function' && typeof h.vars === 'object'
  );
}

/** True for a {@link GenericHead}. */
export function isGenericHead(head: unknown): head is GenericHead {
  const h = head as Partial<GenericHead> | null;
  return typeof h === 'object' && h !== null && Array.isArray(h.params) && typeof h.loss === 'function';
}

/**
 * Checks a standard head's φ and its four tensors' shapes against the feature dimension D; returns the projection
 * dimension P.
 */
export function checkStandardHead(head: StandardHead, D: number): number {
  if (typeof head.phi !== 'function') {
    throw new ConflictLossError(
      'invalid-head',
      'head',
      'a standard head needs vars {Wp, bp, v, b}, phi and phiPrime',
    );
  }
  const { Wp, bp, v, b } = head.vars;
  for (const [name, t] of [
    ['Wp', Wp],
    ['bp', bp],
    ['v', v],
    ['b', b],
  ] as const) {
    if (!(t instanceof tf.Tensor)) {
      throw new ConflictLossError('invalid-head', `head.vars.${name}`, 'is not a tensor');
    }
  }
  const shape = (t: tf.Tensor) => `[${t.shape.join(', ')}]`;
  if (Wp.rank !== 2 || Wp.shape[1] !== D) {
    throw new ConflictLossError(
      'invalid-head',
      'head.vars.Wp',
      `must be [P, ${D}] for features of width ${D}, got ${shape(Wp)}`,
    );
  }
  const P = Wp.shape[0]!;
  if (bp.rank !== 1 || bp.shape[0] !== P) {
    throw new ConflictLossError('invalid-head', 'head.vars.bp', `must be [${P}], got ${shape(bp)}`);
  }
  if (v.rank !== 1 || v.shape[0] !== P) {
    throw new ConflictLossError('invalid-head', 'head.vars.v', `must be [${P}], got ${shape(v)}`);
  }
  if (b.size !== 1) {
    throw new ConflictLossError('invalid-head', 'head.vars.b', `must be a scalar, got ${shape(b)}`);
  }
  return P;
}

/** Logits s [n] of a standard head on features [n, D]. */
export function standardLogits(head: StandardHead, features: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const { Wp, bp, v, b } = head.vars;
    const u = tf.add(tf.matMul(features, Wp, false, true), bp);
    const z = head.phi(u) as tf.Tensor2D;
    return tf.add(tf.reshape(tf.matMul(z, tf.reshape(v, [-1, 1])), [-1]), tf.reshape(b, [])) as tf.Tensor1D;
  });
}

/**
 * The standard head as a {@link GenericHead} over its projection (W_p, b_p): what `generic` mode differentiates
 * twice when given a standard head. BCE is `bceWithLogits` (softplus(s) - y·s), exact to any order.
 */
export function asGenericHead(head: StandardHead): GenericHead {
  return {
    params: [head.vars.Wp, head.vars.bp],
    loss: (features, labels) =>
      tf.tidy(() => bceWithLogits(standardLogits(head, features), labels) as tf.Scalar),
  };
}
