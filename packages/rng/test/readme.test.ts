// The README's example is examples/readme.ts verbatim, and it prints what its comments promise. (rng cannot use
// @cs-dfd/test-utils' describeReadmeExample: test-utils depends on rng, and the cycle would break the build order.)
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');

describe('README example', () => {
  it('is examples/readme.ts verbatim', () => {
    const readme = read('../README.md');
    const block = /## Example\n[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBe(read('../examples/readme.ts'));
  });

  it('prints what its comments say', async () => {
    const promised = read('../examples/readme.ts')
      .split('\n')
      .filter((l) => l.startsWith('console.log('))
      .map((l) => JSON.parse(l.slice(l.lastIndexOf('// ') + 3)) as unknown);
    const logs: unknown[][] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      logs.push(args);
    });
    try {
      await import('../examples/readme.js');
    } finally {
      spy.mockRestore();
    }
    expect(logs).toEqual(promised.map((p) => [p]));
  });
});
