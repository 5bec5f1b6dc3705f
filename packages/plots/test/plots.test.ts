import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { renderSvg, type TopLevelSpec, writePlot } from '../src/index.js';

const bars: TopLevelSpec = {
  width: 200,
  height: 100,
  data: {
    values: [
      { k: 'a', v: 1 },
      { k: 'b', v: 3 },
      { k: 'c', v: 2 },
    ],
  },
  mark: { type: 'bar', color: '#ff0000' },
  encoding: { x: { field: 'k', type: 'nominal' }, y: { field: 'v', type: 'quantitative' } },
};

describe('plots', () => {
  it('renders one SVG bar per datum, with heights ordered like the data', async () => {
    const svg = await renderSvg(bars);
    const rects = [...svg.matchAll(/<path aria-label="k: (\w); v: (\d)"[^>]*d="M[^h]*h[\d.]+v([\d.]+)/g)];
    expect(rects.map((m) => m[1])).toEqual(['a', 'b', 'c']);
    const heights = rects.map((m) => Number(m[3]));
    expect(heights[1]).toBeGreaterThan(heights[2]!);
    expect(heights[2]).toBeGreaterThan(heights[0]!);
    expect(heights[1]! / heights[0]!).toBeCloseTo(3, 1);
  });

  it('writes an SVG and a PNG whose pixels show the red bars on white', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'plots-'));
    const { svg, png } = await writePlot(bars, join(dir, 'bars'), 72);
    expect((await readFile(svg, 'utf8')).startsWith('<svg')).toBe(true);
    const { data, info } = await sharp(await readFile(png))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(info.width).toBeGreaterThan(200);
    let red = 0;
    let white = 0;
    for (let p = 0; p < data.length; p += info.channels) {
      if (data[p]! > 200 && data[p + 1]! < 60 && data[p + 2]! < 60) red++;
      if (data[p]! > 250 && data[p + 1]! > 250 && data[p + 2]! > 250) white++;
    }
    expect(red).toBeGreaterThan(1000);
    expect(white).toBeGreaterThan(red);
  });
});
