import {
  backend_util,
  type KernelConfig,
  type KernelFunc,
  type MaxPoolGradAttrs,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { heapPointer, trainKernels } from '../wasm/kernels.js';
import { heapBackend } from './heap.js';

/**
 * MaxPoolGrad for the wasm backend, on the wasm heap. Each dy cell goes to the first maximum of its window in
 * row-major scan order, padded cells never win: the semantics of the cpu backend's reference kernel. wasm's own
 * kernel starts its running maximum at 0 (it loses the gradient, or sends it to the wrong cell, when a window's
 * maximum is <= 0), which ReLU-free nets and pooled logits hit constantly. The 2×2/2 unpadded pool with channels a
 * multiple of 4 (every pool of the detectors here) runs in wasm SIMD (`train-kernels.wat`, 4–8x the JS loop);
 * `simd: false`, other pools and a backend the SIMD module cannot bind to take the JS loops.
 */
export function maxPoolGradKernel(options: { simd?: boolean } = {}): KernelFunc {
  return ({ inputs, backend, attrs }) => maxPoolGrad(inputs, backend, attrs, options.simd !== false);
}

/** The registered MaxPoolGrad: {@link maxPoolGradKernel} with the SIMD path where it applies. */
export const maxPoolGradHeap: KernelFunc = maxPoolGradKernel();

function maxPoolGrad(
  inputs: Parameters<KernelFunc>[0]['inputs'],
  backend: object,
  attrs: Parameters<KernelFunc>[0]['attrs'],
  useSimd: boolean,
): TensorInfo {
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
  const { top: t, bottom, left: l, right } = info.padInfo;
  const pool2x2 =
    fh === 2 && fw === 2 && sh === 2 && sw === 2 && t === 0 && bottom === 0 && l === 0 && right === 0;
  const simd = pool2x2 && useSimd && C % 4 === 0 && H % 2 === 0 && W % 2 === 0 ? trainKernels(heap) : null;
  if (simd != null) {
    const p = (i: TensorInfo) => heapPointer(heap, i);
    simd.maxPool2x2Grad(p(input), p(dy), p(out), batchSize, H, W, C);
    return out;
  }
  // Views are taken after the allocation: growing the heap detaches earlier views.
  const x = heap.typedArrayFromHeap(input);
  const g = heap.typedArrayFromHeap(dy);
  const dx = heap.typedArrayFromHeap(out);
  if (pool2x2) {
    pool2x2Grad(x, g, dx, batchSize, H, W, C);
    return out;
  }
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
}

/**
 * The 2×2, stride-2, unpadded case (every max-pool of the detectors here): windows do not overlap, so each covered
 * cell is written once (its dy or 0) with four loads and compares per output, no per-window state and no
 * scatter-add: 1.3–1.9x faster than the general loop on the §12 maps. Same tie and NaN rules (first strict
 * maximum in row-major order; a NaN never wins). Rows/columns past 2·OH, 2·OW (odd sizes) get no gradient.
 */
function pool2x2Grad(
  x: Float32Array,
  g: Float32Array,
  dx: Float32Array,
  B: number,
  H: number,
  W: number,
  C: number,
): void {
  const OH = H >> 1;
  const OW = W >> 1;
  const row = W * C;
  if (H % 2 === 1 || W % 2 === 1) dx.fill(0);
  let yo = 0;
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      let p00 = (b * H + 2 * oh) * row;
      for (let ow = 0; ow < OW; ow++, p00 += 2 * C) {
        for (let c = 0; c < C; c++, yo++) {
          const i0 = p00 + c;
          const i1 = i0 + C;
          const i2 = i0 + row;
          const i3 = i2 + C;
          let best = Number.NEGATIVE_INFINITY;
          let at = -1;
          if (x[i0]! > best) {
            best = x[i0]!;
            at = 0;
          }
          if (x[i1]! > best) {
            best = x[i1]!;
            at = 1;
          }
          if (x[i2]! > best) {
            best = x[i2]!;
            at = 2;
          }
          if (x[i3]! > best) at = 3;
          const v = g[yo]!;
          dx[i0] = at === 0 ? v : 0;
          dx[i1] = at === 1 ? v : 0;
          dx[i2] = at === 2 ? v : 0;
          dx[i3] = at === 3 ? v : 0;
        }
      }
    }
  }
}

export function maxPoolGradConfig(backendName: string): KernelConfig {
  return { kernelName: 'MaxPoolGrad', backendName, kernelFunc: maxPoolGradHeap };
}
