import { type KernelFunc, type SumAttrs, type TensorInfo, util } from '@tensorflow/tfjs-core';
import { heapPointer, trainKernels } from '../wasm/kernels.js';
import { heapBackend } from './heap.js';

/**
 * Sum or Mean over a contiguous block of axes that leaves a non-trivial innermost part, e.g. [0, 1, 2] of an
 * NHWC tensor (BatchNorm's moments, the gradients of every per-channel scale and shift) or [1, 2] (global
 * average pooling). wasm's own kernels first *transpose* the reduced axes innermost with its generic Transpose,
 * which cost more than the convolutions of a BatchNorm CNN's training step. Viewing x as [outer, R, inner], the
 * sum is a set of column sums in float64: in wasm SIMD (`channel_sums`) when inner is a multiple of 4 and the SIMD
 * module is bound, else in JS (see columnSums). Anything else (other dtypes,
 * reductions of the innermost axis, non-contiguous axes) goes to `stock`.
 */
export function reduceLeading(kind: 'sum' | 'mean', stock: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as SumAttrs;
    const shape = x.shape;
    const axes = util.parseAxisParam(axis, shape).sort((a, b) => a - b);
    const first = axes[0];
    const last = axes[axes.length - 1];
    const contiguous = first !== undefined && last !== undefined && last - first === axes.length - 1;
    if (x.dtype !== 'float32' || !contiguous || last === shape.length - 1) return stock(args);
    const heap = heapBackend(args.backend, `${kind === 'sum' ? 'Sum' : 'Mean'} (leading axes)`);
    const outer = util.sizeFromShape(shape.slice(0, first));
    const R = util.sizeFromShape(shape.slice(first, last + 1));
    const inner = util.sizeFromShape(shape.slice(last + 1));
    const outShape = keepDims
      ? shape.map((d, i) => (i >= first && i <= last ? 1 : d))
      : shape.filter((_, i) => i < first || i > last);
    const out = heap.makeOutput(outShape, 'float32');
    const scale = kind === 'mean' ? 1 / R : 1;
    const simd = inner % 4 === 0 ? trainKernels(heap) : null;
    if (simd != null) {
      // The same float64 column sums in wasm SIMD (`channel_sums`), 4 columns per instruction.
      const sums = heap.makeOutput([4 * inner], 'float32');
      const s1 = heapPointer(heap, sums);
      const xp = heapPointer(heap, x);
      // Views after the allocations; the kernel allocates nothing, so they stay valid through the loop.
      const f64 = new Float64Array(heap.typedArrayFromHeap(sums).buffer, s1, inner);
      const ys = heap.typedArrayFromHeap(out);
      for (let o = 0; o < outer; o++) {
        simd.channelSums(xp + 4 * o * R * inner, 0, R, inner, s1, s1 + 8 * inner);
        for (let i = 0; i < inner; i++) ys[o * inner + i] = f64[i]! * scale;
      }
      heap.disposeData(sums.dataId);
      return out;
    }
    // Views after the allocation: growing the heap detaches earlier views.
    const xs = heap.typedArrayFromHeap(x);
    const ys = heap.typedArrayFromHeap(out);
    for (let o = 0; o < outer; o++) columnSums(xs, o * R * inner, R, inner, ys, o * inner, scale);
    return out;
  };
}

/**
 * ys[at + i] = scale · Σ_r xs[from + r·inner + i] for i < inner. Four columns at a time in scalar (float64)
 * accumulators: V8 keeps them in registers, where accumulating into a Float64Array[inner] re-loads and re-stores
 * every element (about 2-3x slower here); the strided passes still read whole cache lines.
 */
function columnSums(
  xs: Float32Array,
  from: number,
  R: number,
  inner: number,
  ys: Float32Array,
  at: number,
  scale: number,
): void {
  let i = 0;
  for (; i + 4 <= inner; i += 4) {
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    for (let r = 0, k = from + i; r < R; r++, k += inner) {
      a0 += xs[k]!;
      a1 += xs[k + 1]!;
      a2 += xs[k + 2]!;
      a3 += xs[k + 3]!;
    }
    ys[at + i] = a0 * scale;
    ys[at + i + 1] = a1 * scale;
    ys[at + i + 2] = a2 * scale;
    ys[at + i + 3] = a3 * scale;
  }
  for (; i < inner; i++) {
    let a = 0;
    for (let r = 0, k = from + i; r < R; r++, k += inner) a += xs[k]!;
    ys[at + i] = a * scale;
  }
}
