import type { Rng } from '@cs-dfd/rng';
import { MultiMnistError } from './errors.js';
import { MNIST_SIDE, type MnistSplit } from './mnist.js';

/** Side of the canvas the two digits are placed on before the resize (Sener & Koltun 2018). */
export const CANVAS_SIDE = 36;
/** The right digit's offset on the canvas, down and right; the left digit sits at (0, 0). */
export const RIGHT_OFFSET = CANVAS_SIDE - MNIST_SIDE - 2;

/** A MultiMNIST set: 28×28 byte images, each with the labels of its left and right digit and their sources. */
export interface MultiMnist {
  count: number;
  /** `count` images of 28×28 bytes, row-major. */
  images: Uint8Array;
  /** Label of the upper-left digit (task "left"). */
  left: Uint8Array;
  /** Label of the lower-right digit (task "right"). */
  right: Uint8Array;
  /** Index in the source split of each image's left digit. */
  leftIndex: Int32Array;
  /** Index in the source split of each image's right digit. */
  rightIndex: Int32Array;
}

/**
 * Nearest-neighbour source index of destination pixel `dst` when resizing `from` pixels to `to` (pixel centres,
 * as PIL's `NEAREST`): floor((dst + 1/2) · from / to), in integers so no rounding can move a boundary.
 */
export function nearestSource(dst: number, from: number, to: number): number {
  return Math.min(from - 1, Math.floor(((2 * dst + 1) * from) / (2 * to)));
}

/** Canvas rows/columns the 28 output rows/columns sample. */
const SAMPLED = Array.from({ length: MNIST_SIDE }, (_, i) => nearestSource(i, CANVAS_SIDE, MNIST_SIDE));

/**
 * Writes the MultiMNIST image of two source digits into `out` at `offset`: the left digit at the canvas's (0, 0),
 * the right digit at (6, 6) of a 36×36 canvas, the pixel-wise maximum where they overlap, then a nearest-neighbour
 * resize to 28×28 (the construction of Sener & Koltun 2018's MultiMNIST loader).
 */
export function overlayDigits(
  images: Uint8Array,
  leftIndex: number,
  rightIndex: number,
  out: Uint8Array,
  offset: number,
): void {
  const area = MNIST_SIDE * MNIST_SIDE;
  const l = leftIndex * area;
  const r = rightIndex * area;
  for (let y = 0; y < MNIST_SIDE; y++) {
    const cy = SAMPLED[y]!;
    for (let x = 0; x < MNIST_SIDE; x++) {
      const cx = SAMPLED[x]!;
      // Only the canvas pixels the resize samples are computed.
      const a = cy < MNIST_SIDE && cx < MNIST_SIDE ? images[l + cy * MNIST_SIDE + cx]! : 0;
      const ry = cy - RIGHT_OFFSET;
      const rx = cx - RIGHT_OFFSET;
      const b =
        ry >= 0 && rx >= 0 && ry < MNIST_SIDE && rx < MNIST_SIDE ? images[r + ry * MNIST_SIDE + rx]! : 0;
      out[offset + y * MNIST_SIDE + x] = Math.max(a, b);
    }
  }
}

/**
 * Builds `count` MultiMNIST images from one MNIST split: distinct left digits drawn by a random permutation of the
 * split, each paired with a uniformly drawn right digit (as the published loader pairs them). Deterministic in the
 * state of `rng`; draws from the split only, so training and test sets stay disjoint.
 */
export function makeMultiMnist(source: MnistSplit, count: number, rng: Rng): MultiMnist {
  if (!Number.isInteger(count) || count < 1 || count > source.count)
    throw new MultiMnistError(
      'invalid-option',
      `count: ${count} images requested from a split of ${source.count}; need an integer in 1..${source.count}`,
    );
  const area = MNIST_SIDE * MNIST_SIDE;
  const leftIndex = Int32Array.from(rng.permutation(source.count).slice(0, count));
  const rightIndex = Int32Array.from({ length: count }, () => rng.int(0, source.count - 1));
  const images = new Uint8Array(count * area);
  for (let i = 0; i < count; i++)
    overlayDigits(source.images, leftIndex[i]!, rightIndex[i]!, images, i * area);
  return {
    count,
    images,
    left: Uint8Array.from(leftIndex, (j) => source.labels[j]!),
    right: Uint8Array.from(rightIndex, (j) => source.labels[j]!),
    leftIndex,
    rightIndex,
  };
}
