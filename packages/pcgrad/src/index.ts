/**
 * @packageDocumentation
 * PCGrad as a Gram-space weighting on the cs-dfd aggregation contract (`@cs-dfd/gramian`).
 */
export { type PCGradOptions, type PCGradState, type PCGradWeighting, pcgrad } from './pcgrad.js';
