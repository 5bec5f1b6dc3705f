import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DROPPED_WORKER_FLAGS, workerExecArgv } from '../src/index.js';

describe('workerExecArgv', () => {
  it('drops every listed flag with its value, in both spellings, and keeps the rest in order', () => {
    expect(
      workerExecArgv([
        '--conditions=@cs-dfd/source',
        '-C',
        'dev',
        '--enable-source-maps',
        '--input-type',
        'module',
        '--stack-size=2000',
        '-p',
        '1+1',
        '--expose-gc',
      ]),
    ).toEqual(['--enable-source-maps', '--stack-size=2000', '--expose-gc']);
  });

  it('keeps any argv without dropped flags unchanged, and never keeps a dropped flag', () => {
    const flag = fc.constantFrom(
      '--expose-gc',
      '--enable-source-maps',
      '--max-old-space-size=512',
      '--no-warnings',
    );
    const dropped = fc.constantFrom(...DROPPED_WORKER_FLAGS);
    fc.assert(
      fc.property(fc.array(flag), (argv) => {
        expect(workerExecArgv(argv)).toEqual(argv);
      }),
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            flag.map((f) => [f]),
            dropped.map((d) => [d, 'value']),
            dropped.map((d) => [`${d}=v`]),
          ),
        ),
        (groups) => {
          const kept = groups.filter((g) => !DROPPED_WORKER_FLAGS.has(g[0]!.split('=', 1)[0]!)).flat();
          expect(workerExecArgv(groups.flat())).toEqual(kept);
        },
      ),
    );
  });

  it('defaults to process.execArgv', () => {
    expect(workerExecArgv()).toEqual(workerExecArgv(process.execArgv));
  });
});
