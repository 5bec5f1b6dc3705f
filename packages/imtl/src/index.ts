/**
 * @packageDocumentation
 * IMTL-G (pseudo-inverse form) as a Gram-space weighting on the cs-dfd aggregation contract (`@cs-dfd/gramian`).
 */
export { type ImtlGOptions, type ImtlGWeighting, imtlG } from './imtl-g.js';
