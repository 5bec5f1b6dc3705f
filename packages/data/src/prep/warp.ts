import { invertSimilarity, type Similarity } from '@cs-dfd/imaging';
import type { RgbImage } from '../types.js';

/**
 * Resamples `image` into a `size`×`size` RGB image whose pixel (x, y) shows the source at `t⁻¹(x, y)`: bilinear,
 * pixel centres at integer coordinates, black outside the source (OpenCV's `warpAffine` with its default
 * `BORDER_CONSTANT`, as DeepfakeBench calls it).
 */
export function warpSimilarity(image: RgbImage, t: Similarity, size: number): RgbImage {
  const inv = invertSimilarity(t);
  const { width: w, height: h, data: src } = image;
  const out = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const sx = inv.a * x - inv.b * y + inv.tx;
      const sy = inv.b * x + inv.a * y + inv.ty;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      if (x0 < -1 || y0 < -1 || x0 >= w || y0 >= h) continue;
      const fx = sx - x0;
      const fy = sy - y0;
      const o = (y * size + x) * 3;
      for (let c = 0; c < 3; c++) {
        let v = 0;
        // the four neighbours, each counted only when inside the source (the constant border is 0)
        if (y0 >= 0) {
          if (x0 >= 0) v += (1 - fx) * (1 - fy) * src[(y0 * w + x0) * 3 + c]!;
          if (x0 + 1 < w) v += fx * (1 - fy) * src[(y0 * w + x0 + 1) * 3 + c]!;
        }
        if (y0 + 1 < h) {
          if (x0 >= 0) v += (1 - fx) * fy * src[((y0 + 1) * w + x0) * 3 + c]!;
          if (x0 + 1 < w) v += fx * fy * src[((y0 + 1) * w + x0 + 1) * 3 + c]!;
        }
        out[o + c] = Math.round(v);
      }
    }
  }
  return { width: size, height: size, data: out };
}
