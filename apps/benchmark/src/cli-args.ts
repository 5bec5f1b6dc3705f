/** Option parsers shared by every `cs-dfd-bench` command (commander turns the errors into usage messages). */
import { InvalidArgumentError } from 'commander';

/** `--steps 100` -> 100; 0, negatives and fractions are usage errors. */
export const positiveInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0)
    throw new InvalidArgumentError(`expected a positive integer, got "${v}"`);
  return n;
};

/** Like {@link positiveInt} but 0 allowed (0 = skip). */
export const nonNegativeInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected an integer >= 0, got "${v}"`);
  return n;
};

/** `a, b,,c` -> `['a', 'b', 'c']`. */
export const list = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** A repeatable option's accumulator. */
export const collect = (v: string, prev: string[]): string[] => [...prev, v];
