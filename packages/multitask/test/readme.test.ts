import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (rel: string) => readFileSync(new URL(rel, import.meta.url), 'utf8');

describe('README example', () => {
  it('is the file examples/two-heads.mjs, verbatim', () => {
    const readme = read('../README.md');
    const block = /```js\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf('<!-- example:two-heads -->')));
    expect(block?.[1]).toBe(read('../examples/two-heads.mjs'));
  });

  it('trains both heads with UVS: each task loss falls well below its start', async () => {
    const { history } = await import('../examples/two-heads.mjs');
    expect(history).toHaveLength(120);
    const first = history[0]!;
    const last = history.at(-1)!;
    for (let k = 0; k < 2; k++) {
      expect(Number.isFinite(last[k])).toBe(true);
      expect(last[k]!).toBeLessThan(0.2 * first[k]!);
    }
  });
});
