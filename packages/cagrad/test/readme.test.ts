import { describeReadmeExample } from '@cs-dfd/test-utils';
import { expect } from 'vitest';

describeReadmeExample(
  {
    readme: new URL('../README.md', import.meta.url),
    example: new URL('../examples/readme.ts', import.meta.url),
    load: () => import('../examples/readme.js'),
  },
  ({ exports }) => {
    // the dual gap of the K = 2 closed form vanishes
    const { info } = exports as { info: Record<string, number> };
    expect(Math.abs(info.gap!)).toBeLessThan(1e-9);
  },
);
