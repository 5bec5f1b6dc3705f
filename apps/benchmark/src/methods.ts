/**
 * The methods the benchmark runs: aggregators from `@cs-dfd/aggregators` with the options each protocol uses.
 * One table, so the toy, the performance suites and the tables all speak of the same methods.
 */
import { AGGREGATORS, aggregatorEntry } from '@cs-dfd/aggregators';
import type { Aggregator } from '@cs-dfd/gramian';

/** A named method and how to make a fresh instance of it. */
export interface MethodEntry {
  /** Name used on the command line and in tables. */
  name: string;
  /** Short description for `--help` and table captions. */
  description: string;
  make: () => Aggregator;
}

/** Options the toy uses where a method has a free parameter: c = 0.5 as in the CAGrad paper's toy. */
const TOY_OPTIONS: Readonly<Record<string, Record<string, unknown>>> = {
  uvs: { c: 0.5 },
  cagrad: { c: 0.5 },
};

/** Every aggregator, with the toy's options. */
export const METHODS: readonly MethodEntry[] = AGGREGATORS.filter((a) => a.name !== 'sum').map((a) => ({
  name: a.name,
  description: a.description,
  make: () => a.make(TOY_OPTIONS[a.name]),
}));

/** Looks methods up by name; throws naming the unknown one and listing the known ones. */
export function methodsByName(names: readonly string[]): MethodEntry[] {
  return names.map((n) => {
    const m = METHODS.find((e) => e.name === n);
    if (m === undefined) aggregatorEntry(n); // throws UnknownAggregatorError listing the known names
    if (m === undefined) throw new Error(`method "${n}" is not run by the benchmark`);
    return m;
  });
}
