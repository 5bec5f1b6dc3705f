import {
  backend_util,
  type Conv2DBackpropFilterAttrs,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { heapPointer, type TrainKernels, trainKernels } from '../wasm/kernels.js';
import { conv2DBackpropFilterComposed } from './Conv2DBackpropInput.js';
import { composed, type KernelScope } from './compose.js';
import { type HeapBackend, heapBackend } from './heap.js';

type Shape4 = [number, number, number, number];

/** Options of {@link conv2DBackpropFilterGemm}. */
export interface FilterGemmOptions {
  /**
   * Most floats the im2col buffer may hold at once; larger batches are split into chunks of whole samples whose
   * partial filter gradients are added. Default 2^22 (16 MiB): the §12 CNN's layers fit in one chunk, a 224×224
   * EfficientNet stage is done a sample or a few at a time. A single sample is never split.
   */
  maxColumnFloats?: number;
  /**
   * Use the SIMD kernel of `train-kernels.wat` (no im2col matrix, no operand packing) where it applies: output
   * channels a multiple of 8 and a backend whose memory it can import. Default true; false forces the GEMM path.
   */
  simd?: boolean;
  /**
   * For 3×3 stride-1 layers with input channels a multiple of 4, Winograd F(3×3, 2×2) (2.25× fewer multiply-adds)
   * where it pays (see winogradFilterPays). Default true; false keeps the direct SIMD kernel. Needs `simd`.
   */
  winograd?: boolean;
}

/** Tiles per block of `winograd_filter_grad` (its `TB`): long enough a reduction for each block's GEMMs. */
const TILE_BLOCK = 128;

const DEFAULT_MAX_COLUMN_FLOATS = 1 << 22;

/** Geometry of one filter-gradient problem, from `computeConv2DInfo`. */
interface Geometry {
  B: number;
  H: number;
  W: number;
  C: number;
  co: number;
  fh: number;
  fw: number;
  sh: number;
  sw: number;
  top: number;
  left: number;
  OH: number;
  OW: number;
  /** Rows and columns of the zero-padded input that the forward pass read: (O - 1)·s + f. */
  Hp: number;
  Wp: number;
}

/**
 * The registered Conv2DBackpropFilter for wasm (NHWC), in the first of these that applies:
 * 1. 3×3 stride-1 layers with Ci % 4 = 0 and Co % 8 = 0: Winograd F(3×3, 2×2) in wasm SIMD (winogradGradient);
 * 2. Co % 8 = 0: the direct wasm SIMD kernel, im2col never built (simdGradient);
 * 3. otherwise (or `simd: false`, or a backend the SIMD module cannot bind to): one matrix product per chunk of
 *    samples, dW[K, co] = colᵀ[K, n] · dy[n, co] with K = fh·fw·ci, written on the wasm heap in JS and multiplied by
 *    the backend's BatchMatMul (XNNPACK on wasm), described below. The name is that last path's, kept as the
 *    package's exported API.
 *
 * Why the GEMM layout: wasm's BatchMatMul is fast for a plain [K, n]·[n, co] product (n in the tens of thousands) but
 * 10-20x slower with `transposeA`, and dy arrives as [n, co] already, so the columns are built transposed and dy is
 * used as it is. For stride 1 the columns are taken from a zero-padded channel-planar copy of x in *padded grid*
 * coordinates (n = B·Hp·Wp, dy zero-filled at the Hp-OH, Wp-OW extra positions): row (kh, kw, c) of colᵀ is then
 * one contiguous run of that plane starting at kh·Wp + kw, a memcpy, instead of a gather. The zero rows cost
 * (Hp·Wp)/(OH·OW) more multiply-adds (1.06-1.27x on the §12 layers), far less than a gather. Strides > 1, and
 * small maps where that factor exceeds 1.5, gather every s-th element of the same planes instead (n = B·OH·OW).
 * The result is the filter's own [fh, fw, ci, co] layout.
 *
 * NCHW inputs go to {@link conv2DBackpropFilterComposed} (nothing here trains in NCHW).
 */
export function conv2DBackpropFilterGemm(backendName: string, options: FilterGemmOptions = {}): KernelFunc {
  const maxFloats = options.maxColumnFloats ?? DEFAULT_MAX_COLUMN_FLOATS;
  const fallback = conv2DBackpropFilterComposed(backendName);
  return (args) => {
    const attrs = args.attrs as unknown as Conv2DBackpropFilterAttrs;
    if (attrs.dataFormat === 'NCHW') return fallback(args);
    const heap = heapBackend(args.backend, 'Conv2DBackpropFilter (GEMM)');
    const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
    const info = backend_util.computeConv2DInfo(
      x.shape as Shape4,
      attrs.filterShape,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      'channelsLast',
    );
    const [B, H, W, C] = x.shape as Shape4;
    const g: Geometry = {
      B,
      H,
      W,
      C,
      co: info.outChannels,
      fh: info.filterHeight,
      fw: info.filterWidth,
      sh: info.strideHeight,
      sw: info.strideWidth,
      top: info.padInfo.top,
      left: info.padInfo.left,
      OH: info.outHeight,
      OW: info.outWidth,
      Hp: (info.outHeight - 1) * info.strideHeight + info.filterHeight,
      Wp: (info.outWidth - 1) * info.strideWidth + info.filterWidth,
    };
    const simd = options.simd === false || g.co % 8 !== 0 ? null : trainKernels(heap);
    if (simd != null && options.winograd !== false && winogradFilterPays(g)) {
      return composed(heap, backendName, (k) => winogradGradient(k, heap, simd, x, dy, g));
    }
    if (simd != null) return composed(heap, backendName, (k) => simdGradient(k, heap, simd, x, dy, g));
    return composed(heap, backendName, (k) => {
      const K = g.fh * g.fw * g.C;
      const perSample = K * columnsPerSample(g);
      const chunk = Math.max(1, Math.min(B, Math.floor(maxFloats / perSample)));
      let total: TensorInfo | undefined;
      for (let b0 = 0; b0 < B; b0 += chunk) {
        const part = chunkGradient(k, heap, x, dy, g, b0, Math.min(B, b0 + chunk));
        total = total === undefined ? part : k.run('Add', { a: total, b: part });
      }
      // B >= 1 for any tensor computeConv2DInfo accepts, so the loop ran at least once.
      return k.reshape(total!, [g.fh, g.fw, g.C, g.co]);
    });
  };
}

/**
 * Whether to use the padded-grid layout (memcpy rows): stride 1, and the grid is at most 1.5x the output positions.
 * On small maps the grid's extra zero columns dominate (a 4×4 map with a 3×3 filter has 36 grid positions for 16
 * outputs, and the GEMM grows with them: 0.74x the speed of the previous conv-based kernel on 8×4×4×256 -> 256);
 * there the gather (n = B·OH·OW) is cheaper.
 */
function paddedGrid(g: Geometry): boolean {
  return g.sh === 1 && g.sw === 1 && g.Hp * g.Wp <= 1.5 * g.OH * g.OW;
}

/** Columns of colᵀ per sample: the padded grid, or the output grid. */
function columnsPerSample(g: Geometry): number {
  return paddedGrid(g) ? g.Hp * g.Wp : g.OH * g.OW;
}

/**
 * dW by the SIMD kernel, which reads the input through a zero-padded NHWC copy xp[B, Hp, Wp, C] (x itself when the
 * forward pass used exactly all of it, unpadded): row (kh, kw, c) of the implicit im2col matrix starts at element
 * (kh·Wp + kw)·C + c of each output position's window. Against the GEMM path this skips writing the K×n column
 * matrix and XNNPACK's packing of dy (both fresh every call, so its packed-weight cache never hits), and the
 * padded grid's extra positions: 1.6–3.7x faster on the §12 layers, 1.3–3.5x on the detectors' layers, 0.9x on a
 * 3×3 stride-2 layer with an 8×8 output map (`node bench/kernels.bench.mjs`, simd vs gemm).
 */
function simdGradient(
  k: KernelScope,
  heap: HeapBackend,
  simd: TrainKernels,
  x: TensorInfo,
  dy: TensorInfo,
  g: Geometry,
): TensorInfo {
  const K = g.fh * g.fw * g.C;
  const exact = g.top === 0 && g.left === 0 && g.Hp === g.H && g.Wp === g.W;
  const xp = exact ? x : k.adopt(heap.makeOutput([g.B, g.Hp, g.Wp, g.C], 'float32'));
  // int32 offsets in a float32 tensor's bytes: the heap allocator only hands out typed tensors.
  const offsets = k.adopt(heap.makeOutput([K], 'float32'));
  const dw = k.adopt(heap.makeOutput([g.fh, g.fw, g.C, g.co], 'float32'));
  // Views after every allocation: growing the heap detaches earlier views.
  if (!exact) padNhwc(heap.typedArrayFromHeap(x), heap.typedArrayFromHeap(xp), g);
  const off = new Int32Array(heap.typedArrayFromHeap(offsets).buffer, heapPointer(heap, offsets), K);
  let r = 0;
  for (let kh = 0; kh < g.fh; kh++) {
    for (let kw = 0; kw < g.fw; kw++) {
      for (let c = 0; c < g.C; c++) off[r++] = (kh * g.Wp + kw) * g.C + c;
    }
  }
  heap.typedArrayFromHeap(dw).fill(0);
  simd.filterGrad(
    heapPointer(heap, xp),
    heapPointer(heap, offsets),
    K,
    heapPointer(heap, dy),
    heapPointer(heap, dw),
    g.co,
    g.B,
    g.OH,
    g.OW,
    g.Hp,
    g.Wp * g.C,
    g.sh,
    g.sw * g.C,
  );
  return dw;
}

/**
 * 3×3, stride 1, Ci a multiple of 4 and Co of 8. Against the direct SIMD kernel it won on every shape measured,
 * 1.3–2.9× from 4×4 maps with 256 channels to 32×32 maps with 16 (`node bench/kernels.bench.mjs`).
 */
function winogradFilterPays(g: Geometry): boolean {
  return g.fh === 3 && g.fw === 3 && g.sh === 1 && g.sw === 1 && g.C % 4 === 0 && g.co % 8 === 0;
}

/**
 * dW by Winograd F(3×3, 2×2) (`winograd_filter_grad`): each 2×2 tile of dy with the 4×4 input patch under it, in
 * the transformed domain M[e, ci, co] = Σ_tiles V[e, t, ci]·U[e, t, co] (16 GEMMs per block of tiles), then
 * dW = Aᵀ M A here with Aᵀ = [[1, 1, 1, 0], [0, 1, −1, 0], [0, 1, 1, 1]].
 */
function winogradGradient(
  k: KernelScope,
  heap: HeapBackend,
  simd: TrainKernels,
  x: TensorInfo,
  dy: TensorInfo,
  g: Geometry,
): TensorInfo {
  const { C: Ci, co: Co } = g;
  const M = k.adopt(heap.makeOutput([16 * Ci * Co], 'float32'));
  const scratch = k.adopt(heap.makeOutput([16 * (TILE_BLOCK * (Ci + Co) + 32)], 'float32'));
  const offsets = k.adopt(heap.makeOutput([Ci], 'float32'));
  const dw = k.adopt(heap.makeOutput([3, 3, Ci, Co], 'float32'));
  heap.typedArrayFromHeap(M).fill(0);
  const off = new Int32Array(heap.typedArrayFromHeap(offsets).buffer, heapPointer(heap, offsets), Ci);
  for (let c = 0; c < Ci; c++) off[c] = c;
  const p = (t: TensorInfo) => heapPointer(heap, t);
  simd.winogradFilterGrad(
    p(x),
    p(dy),
    p(M),
    g.B,
    g.H,
    g.W,
    Ci,
    Co,
    g.top,
    g.left,
    g.OH,
    g.OW,
    p(scratch),
    p(offsets),
  );
  const m = heap.typedArrayFromHeap(M);
  const out = heap.typedArrayFromHeap(dw);
  const plane = Ci * Co;
  const t = new Float64Array(12);
  for (let o = 0; o < plane; o++) {
    // rows: Aᵀ M (3×4), then columns: (Aᵀ M) A (3×3)
    for (let s = 0; s < 4; s++) {
      const m0 = m[s * plane + o]!;
      const m1 = m[(4 + s) * plane + o]!;
      const m2 = m[(8 + s) * plane + o]!;
      const m3 = m[(12 + s) * plane + o]!;
      t[s] = m0 + m1 + m2;
      t[4 + s] = m1 - m2;
      t[8 + s] = m1 + m2 + m3;
    }
    for (let r = 0; r < 3; r++) {
      const a0 = t[4 * r]!;
      const a1 = t[4 * r + 1]!;
      const a2 = t[4 * r + 2]!;
      const a3 = t[4 * r + 3]!;
      out[3 * r * plane + o] = a0 + a1 + a2;
      out[(3 * r + 1) * plane + o] = a1 - a2;
      out[(3 * r + 2) * plane + o] = a1 + a2 + a3;
    }
  }
  return dw;
}

/** x[B, H, W, C] into the zero-padded xp[B, Hp, Wp, C] the forward pass read (rows/columns past Hp, Wp dropped). */
function padNhwc(xs: Float32Array, xp: Float32Array, g: Geometry): void {
  xp.fill(0);
  const hEnd = Math.min(g.Hp, g.H + g.top);
  const wEnd = Math.min(g.Wp, g.W + g.left);
  const run = (wEnd - g.left) * g.C;
  if (run <= 0) return;
  for (let b = 0; b < g.B; b++) {
    for (let hp = g.top; hp < hEnd; hp++) {
      const src = (b * g.H + hp - g.top) * g.W * g.C;
      xp.set(xs.subarray(src, src + run), ((b * g.Hp + hp) * g.Wp + g.left) * g.C);
    }
  }
}

/** Scratch for the padded planes, kept between calls (one per realm: each worker has its own module). */
let planes = new Float32Array(0);

/**
 * Samples [b0, b1) of x as zero-padded channel planes: plane c holds x[b, hp - top, wp - left, c] at
 * (b - b0)·Hp·Wp + hp·Wp + wp, then `tail` zeros so that shifted reads past the last sample stay in range.
 */
function paddedPlanes(xs: Float32Array, g: Geometry, b0: number, b1: number, tail: number) {
  const plane = (b1 - b0) * g.Hp * g.Wp + tail;
  const need = g.C * plane;
  if (planes.length < need) planes = new Float32Array(need);
  const xp = planes;
  xp.fill(0, 0, need);
  const hStart = Math.max(0, g.top);
  const hEnd = Math.min(g.Hp, g.H + g.top);
  const wStart = Math.max(0, g.left);
  const wEnd = Math.min(g.Wp, g.W + g.left);
  for (let b = b0; b < b1; b++) {
    for (let hp = hStart; hp < hEnd; hp++) {
      let src = ((b * g.H + hp - g.top) * g.W + (wStart - g.left)) * g.C;
      const row = ((b - b0) * g.Hp + hp) * g.Wp;
      for (let wp = wStart; wp < wEnd; wp++) {
        let d = row + wp;
        for (let c = 0; c < g.C; c++) {
          xp[d] = xs[src++]!;
          d += plane;
        }
      }
    }
  }
  return { xp, plane };
}

/** dW of samples [b0, b1) as a [1, K, co] tensor. */
function chunkGradient(
  k: KernelScope,
  heap: HeapBackend,
  x: TensorInfo,
  dy: TensorInfo,
  g: Geometry,
  b0: number,
  b1: number,
): TensorInfo {
  const nb = b1 - b0;
  const K = g.fh * g.fw * g.C;
  const unit = paddedGrid(g);
  const n = nb * columnsPerSample(g);
  const tail = unit ? (g.fh - 1) * g.Wp + g.fw - 1 : 0;
  const { xp, plane } = paddedPlanes(heap.typedArrayFromHeap(x), g, b0, b1, tail);
  const col = k.adopt(heap.makeOutput([1, K, n], 'float32'));
  // dy serves as it is when it already has the chunk's rows in the column order (one chunk, no grid padding).
  const direct = nb === g.B && (!unit || (g.Hp === g.OH && g.Wp === g.OW));
  const dyc = direct ? k.reshape(dy, [1, n, g.co]) : k.adopt(heap.makeOutput([1, n, g.co], 'float32'));
  // Views after every allocation: growing the heap detaches earlier views.
  const cols = heap.typedArrayFromHeap(col);
  let row = 0;
  for (let kh = 0; kh < g.fh; kh++) {
    for (let kw = 0; kw < g.fw; kw++) {
      for (let c = 0; c < g.C; c++, row++) {
        const o = row * n;
        if (unit) {
          const s = c * plane + kh * g.Wp + kw;
          cols.set(xp.subarray(s, s + n), o);
          continue;
        }
        let i = o;
        for (let b = 0; b < nb; b++) {
          for (let oh = 0; oh < g.OH; oh++) {
            let s = c * plane + (b * g.Hp + oh * g.sh + kh) * g.Wp + kw;
            for (let ow = 0; ow < g.OW; ow++, s += g.sw) cols[i++] = xp[s]!;
          }
        }
      }
    }
  }
  if (!direct) copyGradient(heap, dy, dyc, g, b0, b1, unit);
  return k.run('BatchMatMul', { a: col, b: dyc }, { transposeA: false, transposeB: false });
}

/** dy rows of samples [b0, b1), on the padded grid (zeros at the extra positions) when `padded`. */
function copyGradient(
  heap: HeapBackend,
  dy: TensorInfo,
  out: TensorInfo,
  g: Geometry,
  b0: number,
  b1: number,
  padded: boolean,
): void {
  const src = heap.typedArrayFromHeap(dy);
  const dst = heap.typedArrayFromHeap(out);
  const run = g.OW * g.co;
  if (!padded) {
    dst.set(src.subarray(b0 * g.OH * run, b1 * g.OH * run));
    return;
  }
  dst.fill(0);
  for (let b = b0; b < b1; b++) {
    for (let oh = 0; oh < g.OH; oh++) {
      const s = (b * g.OH + oh) * run;
      dst.set(src.subarray(s, s + run), ((b - b0) * g.Hp + oh) * g.Wp * g.co);
    }
  }
}
