/**
 * @cs-dfd/backend — choose the TensorFlow.js backend (tfjs-node-gpu > tfjs-node > wasm > cpu) and make the
 * wasm backend able to train (convolution backprop kernels, a correct MaxPoolGrad) and to differentiate twice.
 * Second-order-safe ops live in `@cs-dfd/backend/ops`.
 */
export { BackendError, type BackendErrorCode } from './errors.js';
export type { Pool } from './gradients/pool.js';
export {
  CORRECTED_GRADIENTS,
  ensureCoreGradients,
  maxPoolSelect,
  REDUCTION_GRADIENTS,
  registerReductionGradients,
  registerSecondOrderGradients,
  SECOND_ORDER_GRADIENTS,
} from './gradients.js';
export {
  BATCH_NORM_TRAIN,
  BATCH_NORM_TRAIN_GRAD,
  fusedBatchNormApplies,
  type KernelRegistration,
  registerWasmTrainingKernels,
  restoreStockWasmKernels,
  stockWasmKernel,
  WASM_TRAINING_KERNELS,
} from './kernels/index.js';
export {
  type Attempt,
  BACKEND_ENV,
  type BackendChoice,
  CANDIDATES,
  type CandidateName,
  defaultLoadModule,
  type InitOptions,
  initBackend,
  type ModuleLoader,
  NATIVE_MODULES,
  withoutEmscriptenErrorHandlers,
} from './select.js';
export { wasmBinaryFolder } from './wasm-paths.js';
