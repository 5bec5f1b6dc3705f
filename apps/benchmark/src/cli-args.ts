/**
 * Option parsers shared by every `cs-dfd-bench` command. They throw commander's `InvalidArgumentError`, which
 * commander prints as `error: option '--x <v>' argument 'abc' is invalid. <why>` and exits 1, so every bad value is
 * named before any work starts. {@link runCli} turns errors thrown later into one line and an exit code.
 */
import { CANDIDATES } from '@cs-dfd/backend';
import { INPUT_ERRORS as TRAINING_INPUT_ERRORS } from '@cs-dfd/training/input-errors';
import { type Command, InvalidArgumentError, Option } from 'commander';

/** `--steps 100` -> 100; 0, negatives and fractions are usage errors. */
export const positiveInt = (v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n <= 0)
    throw new InvalidArgumentError(`expected a positive integer, got "${v}"`);
  return n;
};

/** Like {@link positiveInt} but 0 allowed (0 = skip). */
export const nonNegativeInt = (v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError(`expected an integer >= 0, got "${v}"`);
  return n;
};

/** `--lr 1e-3` -> 0.001; 0, negatives, NaN and infinities are usage errors. */
export const positiveNumber = (v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || !(n > 0 && Number.isFinite(n)))
    throw new InvalidArgumentError(`expected a positive number, got "${v}"`);
  return n;
};

/** `a, b,,c` -> `['a', 'b', 'c']`. */
export const list = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** A non-empty list of distinct items, each checked by `item` (which throws `InvalidArgumentError`). */
export const listOf =
  <T>(item: (s: string) => T) =>
  (v: string): T[] => {
    const items = list(v);
    if (items.length === 0) throw new InvalidArgumentError(`expected a comma-separated list, got "${v}"`);
    const dup = items.find((s, i) => items.indexOf(s) !== i);
    if (dup !== undefined) throw new InvalidArgumentError(`"${dup}" is listed twice`);
    return items.map((s) => {
      try {
        return item(s);
      } catch (e) {
        if (e instanceof InvalidArgumentError && items.length > 1)
          throw new InvalidArgumentError(`${e.message} (in "${v}")`);
        throw e;
      }
    });
  };

/** `--ks 2,4,8` -> [2, 4, 8]. */
export const positiveIntList = listOf(positiveInt);

/** A parser accepting only the names in `known` (listed in the error). */
export const oneOf =
  (known: readonly string[], what = 'value') =>
  (v: string): string => {
    if (!known.includes(v))
      throw new InvalidArgumentError(`unknown ${what} "${v}"; known: ${known.join(', ')}`);
    return v;
  };

/** `--backend <name>`: one of `@cs-dfd/backend`'s candidates. */
export const backendOption = (description: string, defaultValue?: string): Option => {
  const o = new Option('--backend <name>', description).choices([...CANDIDATES]);
  return defaultValue === undefined ? o : o.default(defaultValue);
};

/** A repeatable option's accumulator. */
export const collect = (v: string, prev: string[]): string[] => [...prev, v];

/**
 * Names of the typed errors (here and in the packages) that mean "bad input": exit code 1, like `cs-dfd-train`.
 * Anything else is a failure of the program: exit code 2. Neither prints a stack trace (set `CS_DFD_DEBUG=1` for it).
 */
export const INPUT_ERRORS: readonly string[] = [
  ...TRAINING_INPUT_ERRORS,
  'PerfOptionError',
  'GridError',
  'MultiMnistError',
];

/** The exit code of an error that reached the top: 1 for bad input, 2 otherwise. */
export const exitCodeOf = (e: unknown): 1 | 2 => (INPUT_ERRORS.includes((e as Error)?.name) ? 1 : 2);

/** Parses `argv` and runs the command; an error becomes `<name>: <message>` on stderr and {@link exitCodeOf}. */
export async function runCli(program: Command, argv: readonly string[] = process.argv): Promise<void> {
  try {
    await program.parseAsync([...argv]);
  } catch (e) {
    process.stderr.write(`${program.name()}: ${(e as Error)?.message ?? String(e)}\n`);
    if (process.env.CS_DFD_DEBUG === '1' && e instanceof Error && e.stack)
      process.stderr.write(`${e.stack}\n`);
    process.exit(exitCodeOf(e));
  }
}
