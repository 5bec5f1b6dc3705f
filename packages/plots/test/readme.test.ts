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
    // the SVG draws the line through the three points: Vega-Lite's default 300×300 plot maps step 0..2 to x 0..300
    // and cos -0.2..0.3 to y 300..0, so (1, 0.1) lands at (150, 120)
    const { paths } = exports as { paths: { svg: string } };
    const svg = readFileSync(paths.svg, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('d="M0,300L150,120L300,0"');
  },
);
