/**
 * @packageDocumentation
 * Imaging and 2-D geometry on typed arrays, pure TypeScript: convex hull, least-squares similarity fit, an
 * antialiased polygon rasteriser and an exact convex one, polygon shapes (ellipse, stroke, dilation), separable
 * Gaussian and box blurs. Shared by `@cs-dfd/faceworld`, `@cs-dfd/forgery` and `@cs-dfd/data`'s face alignment.
 */
export {
  approxGaussianBlur,
  boxWidthsForGaussian,
  clampIndex,
  convolveSeparable,
  defaultSigma,
  gaussianBlur,
  gaussianKernel,
  gaussianTaps,
  reflect101,
  type SeparableOptions,
} from './blur.js';
export { ImagingError, type ImagingErrorCode } from './errors.js';
export { convexHull, convexHullXY, cross, insideConvex, type Point, polygonArea } from './hull.js';
export { type Coverage, createCoverage, fillConvex, fillPolygon } from './rasterise.js';
export { dilatePolygon, ellipsePolygon, strokePolygon } from './shapes.js';
export { applySimilarity, fitSimilarity, invertSimilarity, type Similarity } from './similarity.js';
