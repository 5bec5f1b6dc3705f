// Attributes shared by the depthwise backprop kernels' gradients.
import type { NamedAttrMap } from '@tensorflow/tfjs-core';

type DepthwiseAttrs = {
  strides: [number, number] | number;
  dilations: [number, number] | number;
  pad: 'valid' | 'same' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
};

/** The stride/dilation/padding attributes a depthwise backprop kernel passes on to the kernels of its gradient. */
export function depthwiseGeometry(attrs: NamedAttrMap | undefined) {
  const a = attrs as unknown as DepthwiseAttrs;
  return { strides: a.strides, dilations: a.dilations, pad: a.pad, dimRoundingMode: a.dimRoundingMode };
}
