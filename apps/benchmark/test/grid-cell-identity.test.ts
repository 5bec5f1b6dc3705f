// A finished cell must stay finished when the trainer gains a config key: the committed converged-grid cells were
// written before `data.sbi` and `cgr.warmupSteps` existed, and their recorded hash must still match.
import { readFile } from 'node:fs/promises';
import { resolveConfig } from '@cs-dfd/training';
import { describe, expect, it } from 'vitest';
import { cellHash, configDiff } from '../src/grid/cells.js';
import { planGrid } from '../src/grid/run.js';
import { loadVariants } from '../src/grid/variants.js';

const CELLS = new URL('../../../docs/results/converged/grid/cells/', import.meta.url);

describe('cell identity across trainer versions', () => {
  for (const method of ['joint', 'uvs']) {
    it(`the committed ${method}/seed-0 cell (an older trainer's config.json) keeps its hash`, async () => {
      const record = JSON.parse(await readFile(new URL(`${method}/seed-0/cell.json`, CELLS), 'utf8')) as {
        configHash: string;
        config: unknown;
      };
      const now = resolveConfig(record.config);
      expect(cellHash(now)).toBe(record.configHash);
      expect(configDiff(record.config, now)).toEqual([]);
      const old = record.config as { cgr: object };
      const changed = resolveConfig({ ...old, cgr: { ...old.cgr, warmupSteps: 100 } });
      expect(cellHash(changed)).not.toBe(record.configHash);
      expect(configDiff(record.config, changed)).toEqual(['cgr.warmupSteps: unset -> 100']);
    });
  }
});

describe('the committed variant files of docs/results/converged', () => {
  // A typo in a variant's key would otherwise surface only when the grid reaches that row, hours in.
  for (const file of ['regime-map.yaml', 'cgr-sweep.yaml', 'inverse-sgd.yaml']) {
    it(`${file}: every row resolves to a valid trainer config (the grid's own planning)`, async () => {
      const variants = await loadVariants(
        new URL(`../../../docs/results/converged/${file}`, import.meta.url).pathname,
      );
      expect(variants.length).toBeGreaterThanOrEqual(4);
      const plan = await planGrid({
        out: '/nonexistent/grid',
        cacheDir: '/nonexistent/cache',
        protocol: { kind: 'faceworld-large' },
        variants,
        seeds: 1,
        sets: ['train.steps=1500'],
      });
      expect(plan.cells).toHaveLength(variants.length);
      expect(new Set(plan.cells.map((c) => c.configHash)).size).toBe(variants.length);
    });
  }
});
