import {
  backend_util,
  type KernelConfig,
  type KernelFunc,
  type MaxPoolGradAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { heapBackend } from './heap.js';

/**
 * MaxPoolGrad for the wasm backend, on the wasm heap in plain JS. Each dy cell goes to the first maximum of its
 * window in row-major scan order, padded cells never win: the semantics of the cpu backend's reference kernel.
 * wasm's own kernel starts its running maximum at 0 (it loses the gradient, or sends it to the wrong cell, when a
 * window's maximum is <= 0), which ReLU-free nets and pooled logits hit constantly.
 */
export const maxPoolGradHeap: KernelFunc = ({ inputs, backend, attrs }) => {
  const heap = heapBackend(backend, 'maxPoolGradHeap');
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
  const out = heap.makeOutput([...input.shape], 'float32');
  // Views are taken after the allocation: growing the heap detaches earlier views.
  const x = heap.typedArrayFromHeap(input);
  const g = heap.typedArrayFromHeap(dy);
  const dx = heap.typedArrayFromHeap(out);
  dx.fill(0);
  // Channels innermost, as NHWC stores them: every window cell is one contiguous run of C values, so the scan
  // reads memory in order (a per-channel scan strides by C and was 5-8x slower on the 64×64×16 maps of §12).
  const best = new Float32Array(C);
  const at = new Int32Array(C);
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
        best.fill(Number.NEGATIVE_INFINITY);
        at.fill(-1);
        for (let h = hStart; h < hEnd; h++) {
          for (let w = wStart; w < wEnd; w++) {
            const base = xb + (h * W + w) * C;
            for (let c = 0; c < C; c++) {
              const v = x[base + c]!;
              // Strict '>' keeps the first maximum in row-major order (the cpu kernel's tie rule); NaN never wins.
              if (v > best[c]!) {
                best[c] = v;
                at[c] = base + c;
              }
            }
          }
        }
        const yo = yb + (oh * OW + ow) * C;
        for (let c = 0; c < C; c++) {
          const i = at[c]!;
          if (i >= 0) dx[i] = dx[i]! + g[yo + c]!;
        }
      }
    }
  }
  return out;
};

export function maxPoolGradConfig(backendName: string): KernelConfig {
  return { kernelName: 'MaxPoolGrad', backendName, kernelFunc: maxPoolGradHeap };
}
