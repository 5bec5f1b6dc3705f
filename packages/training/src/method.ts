/**
 * The training method: which fake sources a step uses and how their gradients are combined.
 *
 * `orig-only` and `syn-only` train on one source alone: the other sub-batch is not even built (no SBI cost for
 * `orig-only`), so they are exactly the single-source baselines rather than a [1, 0] weighting that still pays for
 * the other source's backward pass. `joint` is the mean of the two per-source gradients, i.e. the gradient of the
 * mean of the two sub-batch losses. Every other name is an `@cs-dfd/aggregators` method with its options.
 *
 * A method label (`uvs+cgr`, `joint`) names a method and whether CGR is on: {@link methodLabel} writes it (the
 * report's `method`), {@link parseMethodLabel} reads it (the benchmark grid's rows, the step-time suite).
 */
import { AGGREGATORS, makeAggregator, UnknownAggregatorError } from '@cs-dfd/aggregators';
import type { FakeSource } from '@cs-dfd/data';
import { type Aggregator, mean } from '@cs-dfd/gramian';
import { ConfigError, TRAINER_METHODS, type TrainConfig } from './config.js';

/** What a step needs to know about the method. */
export interface MethodPlan {
  name: string;
  /** Sources whose sub-batches the loader builds and the step differentiates, in task order. */
  sources: FakeSource[];
  aggregator: Aggregator;
  /** Whether CGR's Conflict Descent Loss is added (needs two sources). */
  cgr: boolean;
}

/** Methods that train on one source alone (no `+cgr`: CGR needs two). */
const ONE_SOURCE: ReadonlySet<string> = new Set(['orig-only', 'syn-only']);

/** The label suffix of a method with CGR on. */
const CGR_SUFFIX = '+cgr';

/** Every method name `method.name` accepts. */
export function methodNames(): string[] {
  return [...TRAINER_METHODS, ...AGGREGATORS.map((a) => a.name)];
}

/** Builds the plan; an unknown method or bad aggregator option is a {@link ConfigError} naming `method.*`. */
export function planMethod(config: TrainConfig): MethodPlan {
  const { name, options } = config.method;
  const cgr = config.cgr.enabled;
  if (name === 'orig-only' || name === 'syn-only') {
    return {
      name,
      sources: [name === 'orig-only' ? 'original' : 'synthesized'],
      aggregator: mean(),
      cgr: false,
    };
  }
  if (name === 'joint') return { name, sources: ['original', 'synthesized'], aggregator: mean(), cgr };
  let aggregator: Aggregator;
  try {
    aggregator = makeAggregator(name, options);
  } catch (e) {
    if (e instanceof UnknownAggregatorError) {
      throw new ConfigError(
        `config: method.name: unknown method ${JSON.stringify(name)}; known: ${methodNames().join(', ')}`,
        'method.name',
        name,
      );
    }
    throw new ConfigError(
      `config: method.options: ${name} rejected ${JSON.stringify(options)}: ${(e as Error).message}`,
      'method.options',
      options,
    );
  }
  return { name, sources: ['original', 'synthesized'], aggregator, cgr };
}

/** The report's method label, e.g. `uvs+cgr`, `joint`, `orig-only`. */
export function methodLabel(plan: MethodPlan): string {
  return plan.cgr ? `${plan.name}${CGR_SUFFIX}` : plan.name;
}

/**
 * The benchmark's method rows in table order: the one-source baselines, the plain mean, the gradient-surgery
 * methods, UVS, and UVS with CGR. The grid trains these by default; the step-time suite times them.
 */
export const METHOD_LABELS = [
  'orig-only',
  'syn-only',
  'joint',
  'pcgrad',
  'cagrad',
  'mgda',
  'imtl',
  'upgrad',
  'uvs',
  'uvs+cgr',
] as const;

/** A method label taken apart: `uvs+cgr` is `{ name: 'uvs', cgr: true }`, `joint` is `{ name: 'joint', cgr: false }`. */
export interface MethodLabel {
  /** `method.name`. */
  name: string;
  /** `cgr.enabled`: on with the `+cgr` suffix, off without it (whatever the config's default). */
  cgr: boolean;
}

/**
 * Parses a method label (the inverse of {@link methodLabel}): any name of {@link methodNames}, optionally with
 * `+cgr` when the method trains on two sources (CGR needs both). Null when the label is none of these.
 */
export function parseMethodLabel(label: string): MethodLabel | null {
  const known = methodNames();
  if (known.includes(label)) return { name: label, cgr: false };
  if (!label.endsWith(CGR_SUFFIX)) return null;
  const name = label.slice(0, -CGR_SUFFIX.length);
  return known.includes(name) && !ONE_SOURCE.has(name) ? { name, cgr: true } : null;
}

/**
 * The config keys a method label sets, as `--set` pairs (`method.name`, `cgr.enabled`), for `applyOverrides`. An
 * unknown label is a {@link ConfigError} naming `method.name` and listing the known methods.
 */
export function methodLabelOverrides(label: string): string[] {
  const parsed = parseMethodLabel(label);
  if (parsed === null) {
    throw new ConfigError(
      `method label ${JSON.stringify(label)}: unknown; known: ${methodNames().join(', ')}, and <method>+cgr for a two-source one`,
      'method.name',
      label,
    );
  }
  return [`method.name=${JSON.stringify(parsed.name)}`, `cgr.enabled=${parsed.cgr}`];
}
