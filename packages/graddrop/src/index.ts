/**
 * @packageDocumentation
 * GradDrop (gradient sign dropout) on the vector-level side of the cs-dfd aggregation contract, for float64 host
 * vectors and TensorFlow.js gradient maps.
 */
export { type GradDrop, type GradDropOptions, type GradDropState, gradDrop } from './graddrop.js';
export { type SeededUniformsState, seededUniforms, type UniformSource } from './uniforms.js';
