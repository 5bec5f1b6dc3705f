/**
 * The README-example check of every optimizer package: the ```ts block under the README's `## Example` heading is
 * the example file verbatim, the file runs, and each `console.log(x); // <value>` prints exactly the value its
 * comment promises.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

/** Where a package keeps its example and how to load it. */
export interface ReadmeExample {
  /** URL of the README, e.g. `new URL('../README.md', import.meta.url)`. */
  readme: URL;
  /** URL of the example source, e.g. `new URL('../examples/readme.ts', import.meta.url)`. */
  example: URL;
  /**
   * Imports the example, e.g. `() => import('../examples/readme.js')`. A thunk written in the test file, so that
   * the test's own module resolution (and its `@cs-dfd/source` condition) applies to the example's imports.
   */
  load: () => Promise<unknown>;
  /** The heading whose first ```ts block is the example (default `'Example'`, i.e. `## Example`). */
  heading?: string;
}

/**
 * The first ```ts block after the `## <heading>` line (optionally followed by more words, e.g. `## Example (cpu)`)
 * of a Markdown text; throws when there is none.
 */
export function exampleBlock(markdown: string, heading = 'Example'): string {
  const start = markdown.search(
    new RegExp(`^## ${heading.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:\\s.*)?$`, 'm'),
  );
  if (start < 0) throw new Error(`README has no "## ${heading}" heading`);
  const block = /^```ts\n([\s\S]*?)^```$/m.exec(markdown.slice(start));
  if (block === null) throw new Error(`README has no \`\`\`ts block under "## ${heading}"`);
  return block[1]!;
}

/**
 * The values promised by `console.log(...); // <value>` comments, in source order: the comment is read as JSON
 * after turning single quotes into double quotes (so `// [ '0.5848', '3.8012' ]` is an array of strings).
 * A `console.log` line without a trailing comment promises nothing and yields `undefined`.
 */
export function promisedLogs(source: string): unknown[] {
  return [...source.matchAll(/^.*console\.log\(.*\);(?:\s*\/\/ (.*))?$/gm)].map((m) => {
    const comment = m[1];
    if (comment === undefined) return undefined;
    try {
      return JSON.parse(comment.replaceAll("'", '"'));
    } catch {
      throw new Error(`the comment of "${m[0].trim()}" is not a value: ${comment}`);
    }
  });
}

/** What running an example left behind. */
export interface ExampleRun {
  /** The argument lists of every `console.log` call, in order. */
  logs: unknown[][];
  /** The example module's namespace (its exports). */
  exports: unknown;
}

/** Runs `load` with `console.log` captured. */
export async function runExample(load: () => Promise<unknown>): Promise<ExampleRun> {
  const logs: unknown[][] = [];
  const original = console.log;
  console.log = (...args: unknown[]) => {
    logs.push(args);
  };
  try {
    return { logs, exports: await load() };
  } finally {
    console.log = original;
  }
}

/**
 * Registers the README-example suite: the README block equals the example file, and running the file prints what
 * its comments promise (one argument per `console.log`, compared as JSON). `check` receives the run (printed
 * arguments and the example's exports) for assertions the comments cannot state (tolerances, hand derivations).
 */
export function describeReadmeExample(example: ReadmeExample, check?: (run: ExampleRun) => void): void {
  const read = (url: URL) => readFileSync(url, 'utf8');
  describe('README example', () => {
    it('is the example file verbatim', () => {
      expect(exampleBlock(read(example.readme), example.heading)).toBe(read(example.example));
    });

    it('runs and prints what its comments say', async () => {
      const promised = promisedLogs(read(example.example));
      expect(promised.filter((p) => p !== undefined).length).toBeGreaterThan(0);
      const run = await runExample(example.load);
      const { logs } = run;
      expect(logs).toHaveLength(promised.length);
      promised.forEach((value, i) => {
        if (value === undefined) return;
        expect(logs[i], `console.log #${i + 1}`).toHaveLength(1);
        expect(JSON.stringify(logs[i]![0]), `console.log #${i + 1}`).toBe(JSON.stringify(value));
      });
      check?.(run);
    });
  });
}
