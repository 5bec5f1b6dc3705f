/**
 * @packageDocumentation
 * Nash-MTL on the cs-dfd aggregation contract: the Nash bargaining weights α_i (Gα)_i = 1, solved exactly from
 * the Gram matrix.
 */
export { type BargainingSolution, minNormSquared, solveBargaining } from './bargaining.js';
export { type NashMtlOptions, type NashMtlWeighting, nashMtl } from './nash-mtl.js';
