import * as tf from '@tensorflow/tfjs-core';
import { type DetectorConfig, resolveConfig } from '../config.js';
import { Detector } from '../detector.js';
import { DetectorError } from '../errors.js';
import { fileSystem, readArtifacts } from './file-handler.js';

/** `modelTopology.format` of a saved detector. */
export const DETECTOR_FORMAT = 'cs-dfd-detector';
const FORMAT_VERSION = 1;

interface Topology {
  format: typeof DETECTOR_FORMAT;
  version: number;
  config: DetectorConfig;
}

function handlerOf(target: string | tf.io.IOHandler): tf.io.IOHandler {
  return typeof target === 'string' ? fileSystem(target) : target;
}

function shapeText(s: readonly number[]): string {
  return `[${s.join(', ')}]`;
}

/**
 * Saves a detector in the tfjs file format: model.json (the detector's full config as `modelTopology`, the
 * weights manifest) and one weights file, all weights (moving statistics included) by logical name. `target` is a
 * folder (written atomically, see {@link fileSystem}) or any `tf.io.IOHandler`.
 */
export async function saveDetector(
  detector: Detector,
  target: string | tf.io.IOHandler,
): Promise<tf.io.SaveResult> {
  const handler = handlerOf(target);
  if (handler.save === undefined) throw new DetectorError('bad-file', 'the IOHandler cannot save');
  const named: tf.NamedTensorMap = Object.fromEntries(detector.namedWeights());
  const { data, specs } = await tf.io.encodeWeights(named);
  const topology: Topology = { format: DETECTOR_FORMAT, version: FORMAT_VERSION, config: detector.config };
  return handler.save({
    modelTopology: topology,
    weightSpecs: specs,
    weightData: data,
    format: DETECTOR_FORMAT,
    generatedBy: '@cs-dfd/detectors',
    convertedBy: null,
  });
}

/** What {@link assignWeights} did. */
export interface WeightLoadReport {
  /** Model weights that received a value. */
  loaded: string[];
  /** Model weights left at their current value (allowed by `allowMissing`). */
  missing: string[];
  /** Names in the file that matched no model weight (allowed by `allowUnexpected`), after renaming. */
  unexpected: string[];
}

/** Options of {@link loadPretrainedWeights}. */
export interface PretrainedOptions {
  /**
   * Maps a file's weight name to the detector's logical name (e.g. a converted Keras model's `block1a_dwconv/
   * depthwise_kernel` to `backbone/block1a_dwconv/kernel`); return `null` to skip a weight. Default: identity.
   */
  rename?: (fileName: string) => string | null;
  /**
   * Which model weights may be absent from the file: `true` (any), `false` (none), or a predicate on the logical
   * name. Default: the head's (pretrained backbones come without this project's head).
   */
  allowMissing?: boolean | ((name: string) => boolean);
  /** Accept file weights that match no model weight (e.g. an ImageNet classifier). Default false. */
  allowUnexpected?: boolean;
}

/**
 * Assigns named tensors to a detector's weights. Every check runs before any assignment, so a failed load leaves
 * the detector unchanged. Shape mismatch -> `shape-mismatch` naming the weight, both shapes and `source`.
 */
export function assignWeights(
  detector: Detector,
  tensors: tf.NamedTensorMap,
  source: string,
  options: Required<PretrainedOptions>,
): WeightLoadReport {
  const model = detector.namedWeights();
  const plan: Array<[tf.Variable, tf.Tensor]> = [];
  const unexpected: string[] = [];
  const seen = new Map<string, string>();
  for (const [fileName, t] of Object.entries(tensors)) {
    const name = options.rename(fileName);
    if (name === null) continue;
    const v = model.get(name);
    if (v === undefined) {
      unexpected.push(name);
      continue;
    }
    const first = seen.get(name);
    if (first !== undefined) {
      throw new DetectorError(
        'bad-file',
        `${source}: weights '${first}' and '${fileName}' both map to model weight '${name}'`,
        { weight: name, file: source },
      );
    }
    seen.set(name, fileName);
    if (t.shape.length !== v.shape.length || t.shape.some((d, i) => d !== v.shape[i])) {
      const from = fileName === name ? '' : ` (file name '${fileName}')`;
      throw new DetectorError(
        'shape-mismatch',
        `weight '${name}'${from} has shape ${shapeText(t.shape)} in ${source} but ${shapeText(v.shape)} in the model`,
        { weight: name, file: source },
      );
    }
    plan.push([v, t]);
  }
  if (unexpected.length > 0 && !options.allowUnexpected) {
    throw new DetectorError(
      'unexpected-weight',
      `${source} holds ${unexpected.length} weight(s) the model does not have: ${unexpected.slice(0, 5).join(', ')}${unexpected.length > 5 ? ', ...' : ''} (pass allowUnexpected or a rename that returns null)`,
      { weight: unexpected[0], file: source },
    );
  }
  const allow = options.allowMissing;
  const missing = [...model.keys()].filter((n) => !seen.has(n));
  const forbidden = missing.filter((n) => !(allow === true || (typeof allow === 'function' && allow(n))));
  if (forbidden.length > 0) {
    throw new DetectorError(
      'missing-weight',
      `${source} lacks ${forbidden.length} weight(s) the model needs: ${forbidden.slice(0, 5).join(', ')}${forbidden.length > 5 ? ', ...' : ''}`,
      { weight: forbidden[0], file: source },
    );
  }
  for (const [v, t] of plan) tf.tidy(() => v.assign(tf.cast(t, 'float32')));
  return { loaded: [...seen.keys()], missing, unexpected };
}

/**
 * Loads a detector saved by {@link saveDetector}: rebuilds it from the stored config (validated like user
 * options) and assigns every weight, strictly (no missing, no extra, identical shapes).
 */
export async function loadDetector(source: string | tf.io.IOHandler): Promise<Detector> {
  const handler = handlerOf(source);
  const label = typeof source === 'string' ? source : 'IOHandler';
  if (handler.load === undefined) throw new DetectorError('bad-file', 'the IOHandler cannot load');
  const artifacts = await handler.load();
  const topo = artifacts.modelTopology as Partial<Topology> | undefined;
  if (topo == null || topo.format !== DETECTOR_FORMAT || topo.config == null) {
    throw new DetectorError(
      'bad-file',
      `${label}: modelTopology is not a saved @cs-dfd/detectors detector (format ${JSON.stringify(topo?.format)}); use loadPretrainedWeights for other models' weights`,
      { file: label },
    );
  }
  if (topo.version !== FORMAT_VERSION) {
    throw new DetectorError('bad-file', `${label}: format version ${topo.version} is not ${FORMAT_VERSION}`, {
      file: label,
    });
  }
  const config = resolveConfig(topo.config);
  const tensors = tf.io.decodeWeights(
    artifacts.weightData ?? new ArrayBuffer(0),
    artifacts.weightSpecs ?? [],
  );
  const detector = new Detector(config);
  try {
    assignWeights(detector, tensors, label, {
      rename: (n) => n,
      allowMissing: false,
      allowUnexpected: false,
    });
    return detector;
  } catch (e) {
    detector.dispose();
    throw e;
  } finally {
    tf.dispose(tensors);
  }
}

/**
 * Loads weights from a tfjs-format model at a local path (a folder with model.json, or the .json path) into an
 * existing detector, matching by name after `options.rename`. Shape mismatch -> `shape-mismatch` naming the
 * weight and both shapes; nothing is assigned unless every check passes.
 */
export async function loadPretrainedWeights(
  detector: Detector,
  location: string,
  options: PretrainedOptions = {},
): Promise<WeightLoadReport> {
  const artifacts = await readArtifacts(location);
  const tensors = tf.io.decodeWeights(
    artifacts.weightData ?? new ArrayBuffer(0),
    artifacts.weightSpecs ?? [],
  );
  try {
    return assignWeights(detector, tensors, location, {
      rename: options.rename ?? ((n) => n),
      allowMissing: options.allowMissing ?? ((n) => n.startsWith('head/')),
      allowUnexpected: options.allowUnexpected ?? false,
    });
  } finally {
    tf.dispose(tensors);
  }
}
