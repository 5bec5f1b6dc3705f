import {
  getKernel,
  type KernelBackend,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { BackendError } from '../errors.js';

/**
 * Runs registered kernels of one backend directly (no engine, no tape) and frees every intermediate at the end.
 * Composed kernels are built this way, like tfjs's own backends do, so that they allocate nothing the engine
 * does not know about once they return.
 */
export class KernelScope {
  private readonly temps: TensorInfo[] = [];

  constructor(
    readonly backend: KernelBackend,
    readonly backendName: string,
  ) {}

  /** Runs `kernelName` and remembers its output as an intermediate. */
  run(kernelName: string, inputs: NamedTensorInfoMap | TensorInfo[], attrs: NamedAttrMap = {}): TensorInfo {
    const kernel = getKernel(kernelName, this.backendName);
    if (kernel == null) {
      throw new BackendError(
        'kernel-missing',
        `kernel '${kernelName}' is not registered for backend '${this.backendName}'`,
      );
    }
    const out = kernel.kernelFunc({ inputs: inputs as NamedTensorInfoMap, attrs, backend: this.backend });
    const info = Array.isArray(out) ? out[0] : out;
    if (info == null) throw new BackendError('kernel-missing', `kernel '${kernelName}' returned no output`);
    this.temps.push(info);
    return info;
  }

  /** Takes ownership of a tensor allocated outside {@link run} (e.g. on the wasm heap), so that it is freed too. */
  adopt(info: TensorInfo): TensorInfo {
    this.temps.push(info);
    return info;
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  /** Zero-pads where `pads` is positive and crops where it is negative: [before, after] per axis. */
  padOrCrop(x: TensorInfo, pads: Array<[number, number]>): TensorInfo {
    let out = x;
    if (pads.some(([a, b]) => a < 0 || b < 0)) {
      const begin = pads.map(([a]) => Math.max(0, -a));
      const size = x.shape.map((n, i) => n - begin[i]! - Math.max(0, -pads[i]![1]));
      out = this.run('Slice', { x: out }, { begin, size });
    }
    if (pads.some(([a, b]) => a > 0 || b > 0)) {
      const paddings = pads.map(([a, b]) => [Math.max(0, a), Math.max(0, b)]);
      out = this.run('PadV2', { x: out }, { paddings, constantValue: 0 });
    }
    return out;
  }

  /** Frees every intermediate except `result` (which the caller hands to the engine). */
  finish(result: TensorInfo): TensorInfo {
    for (const t of this.temps) {
      if (t !== result) this.backend.disposeData(t.dataId);
    }
    this.temps.length = 0;
    return result;
  }

  /** Frees every intermediate; used when a kernel throws half-way. */
  abort(): void {
    for (const t of this.temps) this.backend.disposeData(t.dataId);
    this.temps.length = 0;
  }
}

/** Runs `body` in a fresh scope, freeing its intermediates whether it returns or throws. */
export function composed(
  backend: object,
  backendName: string,
  body: (scope: KernelScope) => TensorInfo,
): TensorInfo {
  // KernelFunc types its backend as `{}`; every registered kernel receives a KernelBackend.
  const scope = new KernelScope(backend as KernelBackend, backendName);
  try {
    return scope.finish(body(scope));
  } catch (e) {
    scope.abort();
    throw e;
  }
}
