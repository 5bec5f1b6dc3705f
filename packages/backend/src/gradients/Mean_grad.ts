// The gradient of the `Mean` kernel (registered by src/gradients.ts).
import { backend_util, type GradConfig, type NamedAttrMap, type Tensor, util } from '@tensorflow/tfjs-core';
import { spread } from './spread.js';

/** Mean's gradient: dy spread over the reduced axes, divided by their size. */
export const meanGrad: GradConfig = {
  kernelName: 'Mean',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs: NamedAttrMap) => {
    const [x] = saved as [Tensor];
    const { axis } = attrs as unknown as { axis: number | number[] };
    const axes = util.parseAxisParam(axis, x.shape);
    const [, reduceShape] = backend_util.computeOutAndReduceShapes(x.shape, axes);
    return { x: () => spread(dy as Tensor, x, axes, 1 / util.sizeFromShape(reduceShape)) };
  },
};
