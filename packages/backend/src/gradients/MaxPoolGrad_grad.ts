// The gradient of the `MaxPoolGrad` kernel (registered by src/gradients.ts).

import type { GradConfig, NamedAttrMap, Tensor, Tensor4D } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { type Pool, poolInfo } from './pool.js';

function stridedTap(
  t: Tensor4D,
  i: number,
  j: number,
  oh: number,
  ow: number,
  sh: number,
  sw: number,
): Tensor4D {
  const [B, , , C] = t.shape;
  return tf.stridedSlice(
    t,
    [0, i, j, 0],
    [B, i + (oh - 1) * sh + 1, j + (ow - 1) * sw + 1, C],
    [1, sh, sw, 1],
  ) as Tensor4D;
}

/**
 * For every max-pool window, the value of `v` at the window's first maximum of `x` (row-major scan, padding never
 * wins): the adjoint of MaxPoolGrad with respect to dy, built from differentiable ops so that it works on every
 * backend and can itself be differentiated.
 */
export function maxPoolSelect(v: Tensor4D, x: Tensor4D, attrs: Pool): Tensor4D {
  return tf.tidy(() => {
    const info = poolInfo(x.shape, attrs);
    const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
    const { effectiveFilterHeight: fh, effectiveFilterWidth: fw } = info;
    const { top, left } = info.padInfo;
    const [, H, W] = x.shape;
    const bottom = Math.max(0, (oh - 1) * sh + fh - H - top);
    const right = Math.max(0, (ow - 1) * sw + fw - W - left);
    const pads: Array<[number, number]> = [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ];
    const xp = tf.pad(x, pads, Number.NEGATIVE_INFINITY);
    const vp = tf.pad(v, pads, 0);
    let best = stridedTap(xp, 0, 0, oh, ow, sh, sw);
    for (let i = 0; i < fh; i++)
      for (let j = 0; j < fw; j++)
        if (i + j > 0) best = tf.maximum(best, stridedTap(xp, i, j, oh, ow, sh, sw));
    let taken = tf.zeros(best.shape, 'bool') as Tensor4D;
    let acc = tf.zeros(best.shape) as Tensor4D;
    for (let i = 0; i < fh; i++) {
      for (let j = 0; j < fw; j++) {
        const hit = tf.logicalAnd(tf.equal(stridedTap(xp, i, j, oh, ow, sh, sw), best), tf.logicalNot(taken));
        acc = tf.add(acc, tf.where(hit, stridedTap(vp, i, j, oh, ow, sh, sw), tf.zerosLike(acc)));
        taken = tf.logicalOr(taken, hit);
      }
    }
    return acc;
  });
}

/** d(MaxPoolGrad)/d(dy) is the window selection; the result is piecewise constant in x (zero gradient). */
export const maxPoolGradGrad: GradConfig = {
  kernelName: 'MaxPoolGrad',
  inputsToSave: ['input', 'output'],
  gradFunc: (ddx: Tensor | Tensor[], saved: Tensor[], attrs?: NamedAttrMap) => {
    const [x, y] = saved as [Tensor4D, Tensor4D];
    return {
      dy: () => maxPoolSelect(ddx as Tensor4D, x, attrs as unknown as Pool),
      input: () => tf.zerosLike(x),
      output: () => tf.zerosLike(y),
    };
  },
};
