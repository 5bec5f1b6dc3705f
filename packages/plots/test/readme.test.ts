import { readFileSync } from 'node:fs';
import { describeReadmeExample } from '@cs-dfd/test-utils';
import { expect } from 'vitest';

describeReadmeExample(
  {
    readme: new URL('../README.md', import.meta.url),
    example: new URL('../examples/readme.ts', import.meta.url),
    load: () => import('../examples/readme.js'),
  },
  ({ exports }) => {
    // the SVG is the line of the three points, not an empty chart
    const { paths } = exports as { paths: { svg: string } };
    const svg = readFileSync(paths.svg, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toMatch(/class="mark-line role-mark"/);
  },
);
