// The README's example is examples/readme.ts verbatim; it trains the tiny model and prints what its comments say.
import { describeReadmeExample } from '@cs-dfd/test-utils';
import { expect } from 'vitest';
import type { Report } from '../src/index.js';

describeReadmeExample(
  {
    readme: new URL('../README.md', import.meta.url),
    example: new URL('../examples/readme.ts', import.meta.url),
    load: () => import('../examples/readme.js'),
  },
  ({ exports }) => {
    const { report } = exports as { report: Report };
    expect(report.steps).toBe(4);
    // every split scored: AUC is a probability
    for (const m of Object.values(report.metrics)) expect(m.auc).toBeGreaterThanOrEqual(0);
  },
);
