import {
  backend_util,
  type KernelBackend,
  type KernelConfig,
  type KernelFunc,
  type MaxPoolGradAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { BackendError } from '../errors.js';

/** The part of tfjs-backend-wasm's BackendWasm this kernel uses (its class is not exported as a value we need). */
interface HeapBackend extends KernelBackend {
  makeOutput(shape: number[], dtype: 'float32'): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
}

function isHeapBackend(b: object): b is HeapBackend {
  const h = b as Partial<HeapBackend>;
  return typeof h.makeOutput === 'function' && typeof h.typedArrayFromHeap === 'function';
}

/**
 * MaxPoolGrad for the wasm backend, on the wasm heap in plain JS. Each dy cell goes to the first maximum of its
 * window in row-major scan order, padded cells never win: the semantics of the cpu backend's reference kernel.
 * wasm's own kernel starts its running maximum at 0 (it loses the gradient, or sends it to the wrong cell, when a
 * window's maximum is <= 0), which ReLU-free nets and pooled logits hit constantly.
 */
export const maxPoolGradHeap: KernelFunc = ({ inputs, backend, attrs }) => {
  if (!isHeapBackend(backend)) {
    throw new BackendError(
      'bad-argument',
      'maxPoolGradHeap needs a backend with a wasm heap (the wasm backend)',
    );
  }
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as MaxPoolGradAttrs;
  const info = backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { batchSize, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  const { strideHeight: sh, strideWidth: sw, effectiveFilterHeight: fh, effectiveFilterWidth: fw } = info;
  const { top, left } = info.padInfo;
  const out = backend.makeOutput([...input.shape], 'float32');
  // Views are taken after the allocation: growing the heap detaches earlier views.
  const x = backend.typedArrayFromHeap(input);
  const g = backend.typedArrayFromHeap(dy);
  const dx = backend.typedArrayFromHeap(out);
  dx.fill(0);
  for (let b = 0; b < batchSize; b++) {
    const xb = b * H * W * C;
    const yb = b * OH * OW * C;
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * sh - top;
      const hStart = Math.max(0, h0);
      const hEnd = Math.min(H, h0 + fh);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = ow * sw - left;
        const wStart = Math.max(0, w0);
        const wEnd = Math.min(W, w0 + fw);
        const yo = yb + (oh * OW + ow) * C;
        for (let c = 0; c < C; c++) {
          let best = Number.NEGATIVE_INFINITY;
          let at = -1;
          for (let h = hStart; h < hEnd; h++) {
            for (let w = wStart; w < wEnd; w++) {
              const i = xb + (h * W + w) * C + c;
              const v = x[i]!;
              if (v > best) {
                best = v;
                at = i;
              }
            }
          }
          if (at >= 0) dx[at] = dx[at]! + g[yo + c]!;
        }
      }
    }
  }
  return out;
};

export function maxPoolGradConfig(backendName: string): KernelConfig {
  return { kernelName: 'MaxPoolGrad', backendName, kernelFunc: maxPoolGradHeap };
}
