/**
 * @packageDocumentation
 * Aligned-MTL as a Gram-space weighting on the cs-dfd aggregation contract (`@cs-dfd/gramian`).
 */
export {
  type AlignedMtlOptions,
  type AlignedMtlScale,
  type AlignedMtlWeighting,
  alignedMtl,
} from './aligned-mtl.js';
