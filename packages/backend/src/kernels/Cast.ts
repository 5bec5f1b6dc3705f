import type { CastAttrs, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { identityShared } from './Identity.js';

/** Cast that shares the buffer when the dtype does not change (wasm copies), else runs `stock`. */
export function castSharing(stock: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { dtype } = args.attrs as unknown as CastAttrs;
    return x.dtype === dtype ? identityShared(args) : stock(args);
  };
}
