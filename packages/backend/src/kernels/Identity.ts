import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

/**
 * Identity that shares the input's buffer (one more reference), as the cpu and webgl backends do. wasm's own
 * Identity copies the whole tensor, and the engine runs Identity for every tensor an op saves for its gradient
 * (`saveTensorsForBackwardMode` clones them): on the §12 CNN and the trainer's BatchNorm CNN that was hundreds of
 * full-size copies per step. Sharing is safe because no wasm kernel writes into its inputs (Reshape already
 * shares buffers the same way).
 */
export const identityShared: KernelFunc = ({ inputs, backend }) => {
  const { x } = inputs as { x: TensorInfo };
  (backend as { incRef(dataId: object): void }).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
};

export function identityConfig(backendName: string): KernelConfig {
  return { kernelName: 'Identity', backendName, kernelFunc: identityShared };
}
