/**
 * @packageDocumentation
 * Data for deepfake detection: the DeepfakeBench JSON index reader and a plain folder reader, evenly spaced frame
 * sampling, video ids unique across methods, path-safe image and landmark loading with an explicit skip policy, and
 * a seeded batch loader producing CS-DFD's per-source sub-batches.
 */
export {
  type AugmentOptions,
  augment,
  colourJitter,
  DEFAULT_AUGMENT,
  flipHorizontal,
} from './augment.js';
export {
  DEEPFAKEBENCH_LABELS,
  type DeepfakeBenchOptions,
  parseDeepfakeBenchIndex,
  type ReadResult,
  readDeepfakeBench,
} from './deepfakebench.js';
export {
  type BadSamplePolicy,
  DataError,
  type DataErrorCode,
  SkipLog,
  type SkippedSample,
} from './errors.js';
export { type FolderOptions, IMAGE_EXTENSIONS, readImageFolder, splitOf } from './folder.js';
export { type DecodedImage, jpegRoundTrip, loadImage } from './image.js';
export { checkLandmarks, LANDMARK_COUNTS, loadLandmarks } from './landmarks.js';
export {
  type Batch,
  BatchLoader,
  type BatchLoaderOptions,
  type FakeSource,
  type SubBatch,
  type SynthesizeFn,
} from './loader.js';
export { landmarkPathFor, naturalCompare, resolveInside } from './paths.js';
export {
  type DetectedFace,
  FACE_API_PACKAGES,
  type FaceBox,
  type FaceDetector,
  type FaceDetectorOptions,
  type FaceResult,
  faceApiDemoDir,
  faceApiModelDir,
  loadFaceDetector,
} from './prep/detector.js';
export { PrepError, type PrepErrorCode } from './prep/errors.js';
export { countFrames, extractFrames, type FfmpegTools, findFfmpeg, VIDEO_EXTENSIONS } from './prep/ffmpeg.js';
export { type FrameResult, type PrepareOptions, type PrepReport, prepareDataset } from './prep/prepare.js';
export { type InputVideo, type SplitOptions, scanInput } from './prep/scan.js';
export { ARCFACE_TEMPLATE_96x112, alignmentTemplate, fivePoints } from './prep/template.js';
export { warpSimilarity } from './prep/warp.js';
export { evenlySpaced } from './sampling.js';
export { poolSynthesizer, sbiSynthesizer } from './sbi.js';
export {
  type Landmarks,
  type RgbImage,
  type SampleRecord,
  type SourceKind,
  SPLITS,
  type Split,
  type SplitRecords,
} from './types.js';
