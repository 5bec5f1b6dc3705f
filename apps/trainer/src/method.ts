/**
 * The training method: which fake sources a step uses and how their gradients are combined.
 *
 * `orig-only` and `syn-only` train on one source alone: the other sub-batch is not even built (no SBI cost for
 * `orig-only`), so they are exactly the single-source baselines rather than a [1, 0] weighting that still pays for
 * the other source's backward pass. `joint` is the mean of the two per-source gradients, i.e. the gradient of the
 * mean of the two sub-batch losses. Every other name is an `@cs-dfd/aggregators` method with its options.
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
  return plan.cgr ? `${plan.name}+cgr` : plan.name;
}
