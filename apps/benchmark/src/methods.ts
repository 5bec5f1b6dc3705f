/**
 * The aggregators the benchmark knows by name, with the options each is run with. One table, so the toy, the
 * performance suites and the tables all speak of the same methods.
 */
import { type Aggregator, mean } from '@cs-dfd/gramian';

/** A named method and how to make a fresh instance of it. */
export interface MethodEntry {
  /** Name used on the command line and in tables. */
  name: string;
  /** Short description for `--help` and table captions. */
  description: string;
  make: () => Aggregator;
}

export const METHODS: readonly MethodEntry[] = [
  { name: 'mean', description: 'mean gradient (plain joint training)', make: mean },
];

/** Looks methods up by name; throws naming the unknown one and listing the known ones. */
export function methodsByName(names: readonly string[]): MethodEntry[] {
  return names.map((n) => {
    const m = METHODS.find((e) => e.name === n);
    if (m === undefined) {
      throw new Error(`unknown method "${n}"; known: ${METHODS.map((e) => e.name).join(', ')}`);
    }
    return m;
  });
}
