/**
 * @packageDocumentation
 * The `worker_threads` plumbing shared by cs-dfd's worker pools (`@cs-dfd/forgery`'s `SynthesisPool`,
 * `@cs-dfd/multitask`'s task-gradient workers): which of the parent's Node flags a worker may inherit. No
 * dependencies, so the lightest package can use it.
 */

/**
 * Node flags (each with its value, as `--flag=value` or as the next argument) a worker must not inherit: a test
 * runner's `--conditions` (`-C`) would make the worker resolve workspace packages to TypeScript sources that
 * Node cannot load, and `--input-type`, `--eval`, `--print` (from `node -e` / `node -p`) make a worker started
 * from a file fail.
 */
export const DROPPED_WORKER_FLAGS: ReadonlySet<string> = new Set([
  '--conditions',
  '-C',
  '--input-type',
  '--eval',
  '-e',
  '--print',
  '-p',
]);

/**
 * The parent's Node flags (default `process.execArgv`) without {@link DROPPED_WORKER_FLAGS} and their values:
 * the `execArgv` to give `new Worker(script, { execArgv })`.
 */
export function workerExecArgv(argv: readonly string[] = process.execArgv): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!DROPPED_WORKER_FLAGS.has(a.split('=', 1)[0]!)) out.push(a);
    else if (!a.includes('=')) i++; // the flag's value is the next item
  }
  return out;
}
