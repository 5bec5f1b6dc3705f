// The gradient of the `Sum` kernel (registered by src/gradients.ts).
import type { GradConfig, NamedAttrMap, Tensor } from '@tensorflow/tfjs-core';
import { spread } from './spread.js';

/** Sum's gradient: dy spread over the reduced axes. */
export const sumGrad: GradConfig = {
  kernelName: 'Sum',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs: NamedAttrMap) => {
    const [x] = saved as [Tensor];
    const { axis } = attrs as unknown as { axis: number | number[] };
    return { x: () => spread(dy as Tensor, x, axis, 1) };
  },
};
