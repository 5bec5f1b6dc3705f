/**
 * @cs-dfd/detectors — deepfake detector networks for TensorFlow.js: a small CNN (the default), ResNet-18,
 * EfficientNet-B0..B4 and Xception, each split as backbone -> projection -> one-logit classifier (DESIGN §6, §10),
 * with tfjs-format save/load and pretrained-weight loading from a local path.
 */
export {
  EFFICIENTNET_SCALING,
  EFFICIENTNET_VARIANTS,
  type EfficientNetOptions,
  type EfficientNetVariant,
  roundFilters,
  roundRepeats,
} from './backbones/efficientnet.js';
export type { ResNetOptions } from './backbones/resnet.js';
export type { SmallCnnOptions } from './backbones/small-cnn.js';
export type { Backbone } from './backbones/types.js';
export type { XceptionOptions } from './backbones/xception.js';
export {
  BACKBONE_KINDS,
  type BackboneKind,
  type BackboneOptions,
  type BackboneSpec,
  type DetectorConfig,
  type DetectorOptions,
  IMAGENET_MEAN,
  IMAGENET_STD,
  INPUT_NORMALIZATIONS,
  type InputNormalization,
  MAX_INPUT_SIZE,
  minInputSize,
  resolveConfig,
} from './config.js';
export {
  createDetector,
  Detector,
  type DetectorDescription,
  describeDetector,
  type ForwardOptions,
  type ParameterCount,
  type WeightInfo,
} from './detector.js';
export { DetectorError, type DetectorErrorCode } from './errors.js';
export {
  ACTIVATIONS,
  type Activation,
  type HeadVariables,
  type Projection,
  ProjectionHead,
  phi,
  phiPrime,
} from './head.js';
export { fileSystem, modelJsonPath, readArtifacts, writeArtifacts } from './io/file-handler.js';
export {
  encodeSafetensors,
  FLOAT_DTYPES,
  type FloatTensor,
  type SafetensorsEntry,
  SafetensorsFile,
  writeSafetensors,
} from './io/safetensors.js';
export {
  type Layout as TorchLayout,
  LinearClassifier,
  loadTorchWeights,
  saveTorchWeights,
  TORCH_FORMATS,
  type TorchFormat,
  type TorchKey,
  type TorchLoadOptions,
  type TorchLoadReport,
  torchDetectorOptions,
  torchFormatOf,
  torchKeys,
  torchStateDict,
} from './io/torch-weights.js';
export {
  assignWeights,
  DETECTOR_FORMAT,
  loadDetector,
  loadPretrainedWeights,
  type PretrainedOptions,
  saveDetector,
  type WeightLoadReport,
} from './io/weights.js';
export { type BatchNormOptions, CONV_PADDINGS, type ConvPadding, type ForwardContext } from './layers.js';
export type { ParamGroup } from './params.js';
