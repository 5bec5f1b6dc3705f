/**
 * @packageDocumentation
 * Plots where people look rather than read: Vega-Lite specs compiled with vega-lite, rendered headless to SVG by
 * vega (no canvas, no browser), and rasterised to PNG by sharp (libvips ships inside its npm package).
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import sharp from 'sharp';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export type { TopLevelSpec } from 'vega-lite';

/** Renders a Vega-Lite spec to an SVG string. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const vgSpec = compile(spec).spec;
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterises an SVG string to PNG bytes at `density` dpi (72 = 1 px per SVG unit). */
export async function svgToPng(svg: string, density = 144): Promise<Buffer> {
  return sharp(Buffer.from(svg), { density }).flatten({ background: '#ffffff' }).png().toBuffer();
}

/** Writes a file atomically: temp file in the same folder, then rename (a crash never leaves half a file). */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/**
 * Renders `spec` and writes `<base>.svg` and `<base>.png` (base without extension); returns both paths.
 */
export async function writePlot(
  spec: TopLevelSpec,
  base: string,
  density = 144,
): Promise<{
  /** Path of the SVG written. */
  svg: string;
  /** Path of the PNG written. */
  png: string;
}> {
  const svg = await renderSvg(spec);
  const png = await svgToPng(svg, density);
  const paths = { svg: `${base}.svg`, png: `${base}.png` };
  await writeFileAtomic(paths.svg, svg);
  await writeFileAtomic(paths.png, png);
  return paths;
}
