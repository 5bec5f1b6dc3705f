import { type GatherV2Attrs, type KernelFunc, type TensorInfo, util } from '@tensorflow/tfjs-core';
import { BackendError } from '../errors.js';
import { heapBackend } from './heap.js';

/**
 * GatherV2 along axis 0 (rows of a batch: per-source sub-batches, sampled examples) as one memcpy per index.
 * wasm's own kernel walks every element through a generic index computation. Other axes, `batchDims` > 0 and
 * non-4-byte dtypes go to `stock`. An index outside [0, rows) throws (as the cpu kernel does), it never reads
 * foreign heap memory.
 */
export function gatherRows(stock: KernelFunc): KernelFunc {
  return (args) => {
    const { x, indices } = args.inputs as { x: TensorInfo; indices: TensorInfo };
    const { axis, batchDims } = args.attrs as unknown as GatherV2Attrs;
    const ax = util.parseAxisParam(axis, x.shape)[0];
    if (ax !== 0 || (batchDims ?? 0) !== 0 || x.dtype !== 'float32' || indices.dtype !== 'int32') {
      return stock(args);
    }
    const heap = heapBackend(args.backend, 'GatherV2 (rows)');
    const rows = x.shape[0] ?? 0;
    const row = util.sizeFromShape(x.shape.slice(1));
    const out = heap.makeOutput([...indices.shape, ...x.shape.slice(1)], 'float32');
    const xs = heap.typedArrayFromHeap(x);
    const idx = heap.typedArrayFromHeap(indices) as unknown as Int32Array;
    const ys = heap.typedArrayFromHeap(out);
    for (let j = 0; j < idx.length; j++) {
      const r = idx[j]!;
      if (r < 0 || r >= rows) {
        heap.disposeData(out.dataId);
        throw new BackendError(
          'bad-argument',
          `GatherV2: index ${r} at position ${j} is not in [0, ${rows - 1}]`,
        );
      }
      ys.set(xs.subarray(r * row, (r + 1) * row), j * row);
    }
    return out;
  };
}
