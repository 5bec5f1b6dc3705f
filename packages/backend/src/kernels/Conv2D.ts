import { backend_util, type Conv2DAttrs, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import { heapPointer, trainKernels } from '../wasm/kernels.js';
import { isHeapBackend } from './heap.js';

/** Tiles per block of the SIMD kernel (`TB` in train-kernels.wat). */
const TILE_BLOCK = 32;

/**
 * Conv2D for 3×3 filters, stride 1, dilation 1, NHWC float32 with input channels a multiple of 4 and output
 * channels a multiple of 8, by Winograd F(2×2, 3×3) in wasm SIMD (`winograd_f2x3`): 16 multiply-adds per 2×2
 * output tile and channel pair instead of 36, i.e. 2.25× fewer than the direct convolution XNNPACK runs. The
 * transforms are done tile block by tile block so that the transformed input and products stay in cache. Float32
 * error grows by a small constant factor over direct convolution (the transforms add and subtract up to 4 terms
 * twice, the filter transform halves). Everything else (other filters, strides, dilations, channel counts, NCHW,
 * a backend without the SIMD module) goes to `stock`; `Conv2DBackpropInput` reaches this kernel too, as it is a
 * convolution of dy with the flipped filter.
 */
export function conv2DWinograd(stock: KernelFunc): KernelFunc {
  return (args) => {
    const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
    const attrs = args.attrs as unknown as Conv2DAttrs;
    const backend = args.backend;
    const [fh, fw, Ci, Co] = filter.shape as [number, number, number, number];
    const strides = typeof attrs.strides === 'number' ? [attrs.strides, attrs.strides] : attrs.strides;
    const dil = attrs.dilations ?? 1;
    const dilations = typeof dil === 'number' ? [dil, dil] : dil;
    if (
      fh !== 3 ||
      fw !== 3 ||
      Ci % 4 !== 0 ||
      Co % 8 !== 0 ||
      strides[0] !== 1 ||
      strides[1] !== 1 ||
      dilations[0] !== 1 ||
      dilations[1] !== 1 ||
      attrs.dataFormat === 'NCHW' ||
      x.dtype !== 'float32' ||
      filter.dtype !== 'float32' ||
      !isHeapBackend(backend)
    ) {
      return stock(args);
    }
    const simd = trainKernels(backend);
    if (simd == null) return stock(args);
    const [B, H, W] = x.shape as [number, number, number, number];
    const info = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      1,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    const { outHeight: OH, outWidth: OW } = info;
    if (!winogradPays(B, OH, OW)) return stock(args);
    const y = backend.makeOutput([B, OH, OW, Co], 'float32');
    const U = backend.makeOutput([16 * Ci * Co], 'float32');
    const scratch = backend.makeOutput([16 * (TILE_BLOCK * (Ci + Co) + 32)], 'float32');
    try {
      transformFilter(backend.typedArrayFromHeap(filter), backend.typedArrayFromHeap(U), Ci, Co);
      const p = (t: TensorInfo) => heapPointer(backend, t);
      simd.winogradF2x3(
        p(x),
        p(U),
        p(y),
        B,
        H,
        W,
        Ci,
        Co,
        info.padInfo.top,
        info.padInfo.left,
        OH,
        OW,
        p(scratch),
      );
    } finally {
      backend.disposeData(U.dataId);
      backend.disposeData(scratch.dataId);
    }
    return y;
  };
}

/**
 * Where the Winograd kernel beat XNNPACK's direct convolution here: output maps of 8×8 and more, 1.4–2.3× at 16 to
 * 256 channels (8×8×256 → 256: 1.59×); on 4×4 maps the tiles' transforms cost what they save (0.72–0.99×).
 */
function winogradPays(B: number, OH: number, OW: number): boolean {
  return B > 0 && OH >= 8 && OW >= 8;
}

/**
 * U[e = 4r + s, ci, co] = (G g G^T)[r, s] for each filter slice g = filter[:, :, ci, co], with
 * G = [[1, 0, 0], [½, ½, ½], [½, −½, ½], [0, 0, 1]].
 */
function transformFilter(g: Float32Array, U: Float32Array, Ci: number, Co: number): void {
  const plane = Ci * Co;
  const t = new Float64Array(12);
  for (let ci = 0; ci < Ci; ci++) {
    for (let co = 0; co < Co; co++) {
      const at = (kh: number, kw: number) => g[((kh * 3 + kw) * Ci + ci) * Co + co]!;
      // t = G g (4×3)
      for (let kw = 0; kw < 3; kw++) {
        const g0 = at(0, kw);
        const g1 = at(1, kw);
        const g2 = at(2, kw);
        t[kw] = g0;
        t[3 + kw] = 0.5 * (g0 + g1 + g2);
        t[6 + kw] = 0.5 * (g0 - g1 + g2);
        t[9 + kw] = g2;
      }
      // U = t G^T (4×4)
      const o = ci * Co + co;
      for (let r = 0; r < 4; r++) {
        const t0 = t[3 * r]!;
        const t1 = t[3 * r + 1]!;
        const t2 = t[3 * r + 2]!;
        U[4 * r * plane + o] = t0;
        U[(4 * r + 1) * plane + o] = 0.5 * (t0 + t1 + t2);
        U[(4 * r + 2) * plane + o] = 0.5 * (t0 - t1 + t2);
        U[(4 * r + 3) * plane + o] = t2;
      }
    }
  }
}
