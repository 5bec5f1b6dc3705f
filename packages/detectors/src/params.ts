import * as tf from '@tensorflow/tfjs-core';
import { DetectorError } from './errors.js';

/** How a parameter is initialised. Fan-based scales are resolved by the layer that declares the parameter. */
export type Init =
  | { kind: 'normal'; std: number }
  | { kind: 'uniform'; limit: number }
  | { kind: 'constant'; value: number };

/** Which part of the detector a parameter belongs to. */
export type ParamGroup = 'backbone' | 'head';

/**
 * One declared parameter. Declaring allocates nothing, so a whole architecture can be described (and its
 * parameters counted) without memory; {@link ParamTable.materialize} creates the variables.
 */
export class Param {
  private variable: tf.Variable | undefined;

  constructor(
    /** Logical name, stable across instances: the key in saved weights (e.g. `backbone/stem/conv/kernel`). */
    readonly name: string,
    readonly shape: readonly number[],
    readonly init: Init,
    /** Trained by gradients (false: BatchNorm moving statistics). */
    readonly trainable: boolean,
    readonly group: ParamGroup,
  ) {}

  /** Number of scalars. */
  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  /** The variable; throws before materialisation or after disposal. */
  get value(): tf.Variable {
    if (this.variable === undefined) {
      throw new DetectorError(
        'disposed',
        `parameter ${this.name} has no variable (disposed or never created)`,
        {
          weight: this.name,
        },
      );
    }
    return this.variable;
  }

  /** @internal */
  attach(v: tf.Variable | undefined): void {
    this.variable = v;
  }
}

/** FNV-1a over the name, mixed with the seed: a stable per-parameter seed, independent of declaration order. */
function paramSeed(seed: number, name: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function initialTensor(p: Param, seed: number): tf.Tensor {
  const shape = [...p.shape];
  const s = paramSeed(seed, p.name);
  switch (p.init.kind) {
    case 'normal':
      // Truncated at 2σ (as Keras and torch's trunc_normal_ do) so no single weight starts far out; the
      // 0.8796 factor restores the requested standard deviation after truncation.
      return tf.truncatedNormal(shape, 0, p.init.std / 0.87962566, 'float32', s);
    case 'uniform':
      return tf.randomUniform(shape, -p.init.limit, p.init.limit, 'float32', s);
    case 'constant':
      return tf.fill(shape, p.init.value);
  }
}

let instances = 0;

/** A named prefix on a {@link ParamTable}: layers declare their parameters through one. */
export class ParamScope {
  constructor(
    readonly table: ParamTable,
    readonly prefix: string,
    readonly group: ParamGroup,
  ) {}

  /** A child scope `prefix/name`. */
  child(name: string): ParamScope {
    return new ParamScope(this.table, `${this.prefix}/${name}`, this.group);
  }

  /** Declares `prefix/name`. */
  param(name: string, shape: readonly number[], init: Init, trainable = true): Param {
    return this.table.declare(new Param(`${this.prefix}/${name}`, shape, init, trainable, this.group));
  }
}

/** Every parameter of one detector, in declaration order. */
export class ParamTable {
  private readonly params: Param[] = [];
  private readonly byName = new Map<string, Param>();
  /** Prefix of the tfjs variable names: tfjs requires variable names to be unique per process. */
  readonly instance = `cs-dfd-detector-${++instances}`;

  /** @internal */
  declare(p: Param): Param {
    if (this.byName.has(p.name)) {
      throw new DetectorError('invalid-config', `parameter ${p.name} is declared twice`, { weight: p.name });
    }
    for (const d of p.shape) {
      if (!Number.isInteger(d) || d < 1) {
        throw new DetectorError(
          'invalid-config',
          `parameter ${p.name} has invalid shape [${p.shape.join(', ')}]`,
          {
            weight: p.name,
          },
        );
      }
    }
    this.params.push(p);
    this.byName.set(p.name, p);
    return p;
  }

  /** A root scope. */
  scope(prefix: string, group: ParamGroup): ParamScope {
    return new ParamScope(this, prefix, group);
  }

  /** All parameters, in declaration order. */
  all(): readonly Param[] {
    return this.params;
  }

  /** The parameter with this logical name, if any. */
  get(name: string): Param | undefined {
    return this.byName.get(name);
  }

  /** Creates every variable (seeded per parameter name, so values do not depend on the backend or on order). */
  materialize(seed: number): void {
    for (const p of this.params) {
      const v = tf.tidy(() =>
        tf.variable(initialTensor(p, seed), p.trainable, `${this.instance}/${p.name}`, 'float32'),
      );
      p.attach(v);
    }
  }

  /** Disposes every variable (idempotent). */
  dispose(): void {
    for (const p of this.params) {
      try {
        p.value.dispose();
      } catch {
        // never materialised or already disposed
      }
      p.attach(undefined);
    }
  }
}
