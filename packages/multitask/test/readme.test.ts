import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (rel: string) => readFileSync(new URL(rel, import.meta.url), 'utf8');

function readmeBlock(marker: string): string | undefined {
  const readme = read('../README.md');
  const at = readme.indexOf(`<!-- example:${marker} -->`);
  expect(at, `README marker example:${marker}`).toBeGreaterThanOrEqual(0);
  return /```js\n([\s\S]*?)```/.exec(readme.slice(at))?.[1];
}

function expectTrained(history: number[][]): void {
  expect(history).toHaveLength(120);
  const first = history[0]!;
  const last = history.at(-1)!;
  for (let k = 0; k < 2; k++) {
    expect(Number.isFinite(last[k])).toBe(true);
    expect(last[k]!).toBeLessThan(0.2 * first[k]!);
  }
}

describe('README example (tf.Variables)', () => {
  it('is the file examples/two-heads.mjs, verbatim', () => {
    expect(readmeBlock('two-heads')).toBe(read('../examples/two-heads.mjs'));
  });

  it('trains both heads with UVS: each task loss falls well below its start', async () => {
    const { history } = await import('../examples/two-heads.mjs');
    expectTrained(history);
  });
});

describe('README example (a tf.layers model)', () => {
  it('is the file examples/layers-two-heads.mjs, verbatim', () => {
    expect(readmeBlock('layers-two-heads')).toBe(read('../examples/layers-two-heads.mjs'));
  });

  it('trains both heads of the model through its LayerVariables; model.predict sees the update', async () => {
    const { history, sineLoss } = await import('../examples/layers-two-heads.mjs');
    expectTrained(history);
    // The model's own forward pass agrees with the last loss the step reported (same weights, no copy).
    expect(sineLoss).toBeLessThan(0.2 * history[0]![0]!);
  });
});
