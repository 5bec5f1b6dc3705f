import { type Aggregator, combine, gramMatrix, isVectorAggregator } from '@cs-dfd/gramian';
import { HostAdam } from './adam.js';
import { toy } from './problem.js';

/** Options of one toy run. */
export interface ToyRunOptions {
  /** Adam steps (default 100 000, as in the CAGrad toy). */
  steps?: number;
  /** Adam learning rate (default 1e-3). */
  lr?: number;
  /** Keep every n-th point of the trajectory (default 250). */
  recordEvery?: number;
  /** Name to report (default: the aggregator's own name). */
  label?: string;
}

/** Where a method went from one start. */
export interface ToyRun {
  method: string;
  start: [number, number];
  end: [number, number];
  losses: [number, number];
  trajectory: Array<[number, number]>;
}

/** Runs Adam on the update chosen by `method` from `start`. */
export function runToy(
  method: Aggregator,
  start: readonly [number, number],
  options: ToyRunOptions = {},
): ToyRun {
  const steps = options.steps ?? 100_000;
  const every = options.recordEvery ?? 250;
  const x = Float64Array.from(start);
  const adam = new HostAdam(2, options.lr ?? 1e-3);
  method.reset?.();
  const trajectory: Array<[number, number]> = [[x[0]!, x[1]!]];
  for (let s = 1; s <= steps; s++) {
    const { grads } = toy(x[0]!, x[1]!);
    let d: Float64Array;
    if (isVectorAggregator(method)) {
      d = method.aggregate(grads);
    } else {
      const G = gramMatrix(grads);
      d = combine(grads, method.weights(G, 2));
    }
    adam.step(x, d);
    if (s % every === 0 || s === steps) trajectory.push([x[0]!, x[1]!]);
  }
  const { losses } = toy(x[0]!, x[1]!);
  return {
    method: options.label ?? method.name,
    start: [start[0], start[1]],
    end: [x[0]!, x[1]!],
    losses,
    trajectory,
  };
}
