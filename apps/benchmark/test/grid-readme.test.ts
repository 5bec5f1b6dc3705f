// The README's Grid section: its variants example is a valid variants file, and the command beside it plans the
// rows it names with the ablated trainer configs the comments promise.
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadVariants, planGrid } from '../src/grid/index.js';

const README = join(dirname(fileURLToPath(import.meta.url)), '..', 'README.md');

async function gridSection(): Promise<string> {
  const text = await readFile(README, 'utf8');
  const start = text.indexOf('## `grid`');
  expect(start).toBeGreaterThanOrEqual(0);
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end < 0 ? undefined : end);
}

describe('README Grid section', () => {
  it('the variants example loads and plans the rows of the command that uses it', async () => {
    const section = await gridSection();
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)![1]!;
    const dir = await mkdtemp(join(tmpdir(), 'cs-dfd-grid-readme-'));
    const file = join(dir, 'ablate.yaml');
    await writeFile(file, yaml);
    const variants = await loadVariants(file);
    expect(variants.map((v) => v.name)).toEqual(['uvs-sgd', 'uvs-c1', 'cgr-diag-l0.5', 'joint-cue0.3']);
    const command = /pnpm bench grid --out out\/ablate --variants ablate\.yaml --methods (\S+)/.exec(
      section,
    )!;
    const plan = await planGrid({
      out: join(dir, 'grid'),
      variants,
      methods: command[1]!.split(','),
      seeds: 1,
    });
    const cfg = (m: string) => plan.cells.find((c) => c.method === m)!.config;
    expect(cfg('uvs-sgd').optimizer.name).toBe('sgd');
    expect(cfg('uvs-sgd').cgr.enabled).toBe(true);
    expect(cfg('uvs-c1').method).toEqual({ name: 'uvs', options: { c: 1 } });
    expect(cfg('uvs-c1').cgr.enabled).toBe(false);
    expect([cfg('cgr-diag-l0.5').cgr.mode, cfg('cgr-diag-l0.5').cgr.weight]).toEqual(['diagonal', 0.5]);
    expect(cfg('uvs+cgr').optimizer.name).toBe('adam');
  });
});
