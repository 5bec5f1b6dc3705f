import {
  applySimilarity,
  convexHull,
  createCoverage,
  fillConvex,
  fillPolygon,
  fitSimilarity,
  gaussianBlur,
  type Point,
} from '@cs-dfd/imaging';

// the convex hull drops the inner point and starts at the lowest-x point, counter-clockwise (x right, y up)
const pts: Point[] = [
  [1, 1],
  [7, 1],
  [7, 5],
  [1, 5],
  [4, 3],
];
const hull = convexHull(pts);
console.log(hull); // [[1, 1], [7, 1], [7, 5], [1, 5]]

// exact binary mask: a pixel is set iff its centre lies in the hull (6 × 4 pixels here)
const mask = new Uint8Array(10 * 8);
fillConvex(hull, mask, 10, 8);
console.log(mask.reduce((s, v) => s + v, 0)); // 24

// antialiased coverage of the same square, shifted by half a pixel: the area is still 24
const cov = fillPolygon(createCoverage(10, 8), [1.5, 1.5, 7.5, 1.5, 7.5, 5.5, 1.5, 5.5]);
console.log(cov.data.reduce((s, v) => s + v, 0)); // 24

// least-squares similarity: recovers scale 2, a quarter turn and a shift from four point pairs
const t = fitSimilarity(
  [
    [0, 0],
    [2, 0],
    [0, 2],
    [2, 2],
  ],
  [
    [3, 4],
    [3, 8],
    [-1, 4],
    [-1, 8],
  ],
);
console.log([t.a, t.b, t.tx, t.ty]); // [0, 2, 3, 4]
console.log(applySimilarity(t, [1, 1])); // [1, 6]

// Gaussian blur (clamped borders) keeps a constant image constant
const flat = gaussianBlur(new Float32Array(5 * 5 * 3).fill(7), 5, 5, 3, 1.5);
console.log(flat.every((v) => Math.abs(v - 7) < 1e-5)); // true
