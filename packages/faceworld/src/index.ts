/**
 * @packageDocumentation
 * faceworld: a SYNTHETIC, procedural face-video dataset for deepfake-detection research where no real face data
 * can be used. People drawn from a 68-point layout with exact landmarks (dlib order), clips with pose, expression
 * and lighting, a camera pipeline, source forgery families and held-out target families with their own traces,
 * written in DeepfakeBench's JSON layout. Deterministic by seed.
 */
export { capture, compress, fastNormal } from './camera.js';
export { type ContactSheetOptions, contactSheet } from './contact-sheet.js';
export { landmarksJson } from './encode.js';
export {
  DATASETS,
  type DatasetName,
  FAMILIES,
  FAMILY_LABELS,
  FAMILY_REGISTRY,
  type FamilyContext,
  type FamilyInfo,
  type FamilyLabel,
  type FamilyOutput,
  type ForgeryFamily,
  familiesOf,
  familyIndex,
  familyOf,
} from './families/index.js';
export {
  buildIndexes,
  buildMeta,
  GENERATOR_VERSION,
  type GenerateResult,
  type GenerateRun,
  generateDataset,
  type Progress,
  workerAvailable,
} from './generate.js';
export { type HairStyle, type Identity, type Rgb, sampleIdentity } from './identity.js';
export {
  type Camera,
  CameraSchema,
  DEFAULTS,
  type FaceworldOptions,
  FaceworldOptionsError,
  type FaceworldOptionsInput,
  OptionsSchema,
  parseOptions,
  SOURCE_CAMERA,
  TARGET_CAMERA,
} from './options.js';
export { framePath, landmarkPathFor, maskPathFor, planDataset, type VideoJob } from './plan.js';
export { type Canvas, createCanvas, toUint8 } from './raster.js';
export { drawScene, Region, type Scene } from './render.js';
export {
  type DeepfakeBenchIndex,
  DeepfakeBenchIndexSchema,
  IndexSchemaError,
  LandmarksSchema,
  validateIndex,
} from './schema.js';
export { deriveSeed, rngFor, Stream, type StreamId } from './seed.js';
export {
  type Expression,
  expressShape,
  identityShape,
  LANDMARK_GROUPS,
  meanShape,
  N_LANDMARKS,
  NEUTRAL,
  type Pose,
  project,
  type Shape3,
  type ShapeParams,
} from './shape.js';
export { ANALYSIS_SIZE } from './traces.js';
export {
  CLIP_FRAMES,
  type FrameState,
  frameState,
  type Light,
  sampleTime,
  sampleVideo,
  type VideoParams,
} from './video.js';
export { Faceworld, type FrameRequest, type RenderedFrame, type Split } from './world.js';

import type { FaceworldOptionsInput } from './options.js';
import { Faceworld, type FrameRequest, type RenderedFrame } from './world.js';

/** Renders one frame in memory without writing anything (a one-off {@link Faceworld}). */
export function renderFrame(options: FaceworldOptionsInput, request: FrameRequest): Promise<RenderedFrame> {
  return new Faceworld(options).renderFrame(request);
}
