import type { RgbImage } from './types.js';

/**
 * Tiles equally sized images into a grid, `rows[r][c]` at row `r`, column `c`, separated by `gap` pixels of
 * `background` grey. Rows may be ragged; missing cells stay background.
 */
export function imageGrid(rows: readonly (readonly RgbImage[])[], gap = 4, background = 255): RgbImage {
  const first = rows[0]?.[0];
  if (!first) throw new RangeError('imageGrid: no images');
  const { width: w, height: h } = first;
  const cols = Math.max(...rows.map((r) => r.length));
  const W = cols * w + (cols + 1) * gap;
  const H = rows.length * h + (rows.length + 1) * gap;
  const data = new Uint8Array(W * H * 3).fill(background);
  rows.forEach((row, r) => {
    row.forEach((img, c) => {
      if (img.width !== w || img.height !== h) {
        throw new RangeError(
          `imageGrid: cell [${r}][${c}] is ${img.width}x${img.height}, expected ${w}x${h}`,
        );
      }
      const x0 = gap + c * (w + gap);
      const y0 = gap + r * (h + gap);
      for (let y = 0; y < h; y++) {
        data.set(img.data.subarray(y * w * 3, (y + 1) * w * 3), ((y0 + y) * W + x0) * 3);
      }
    });
  });
  return { width: W, height: H, data };
}
