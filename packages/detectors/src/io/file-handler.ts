/**
 * A `tf.io.IOHandler` for the local file system in the tfjs file format (model.json + binary weight files named by
 * its weightsManifest), for Node without tfjs-node (whose `file://` handler is the only stock one).
 *
 * Saving is atomic for readers and crashes: the weights go to a content-addressed file (`weights.<sha256-16>.bin`),
 * written to a temporary name, fsynced and renamed; then model.json is written the same way and renamed over the old
 * one. A reader therefore always sees a model.json whose weights file is complete; a crash at any point leaves
 * either the old or the new model. Weight files of earlier saves are removed only after the new model.json is in
 * place.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { DetectorError } from '../errors.js';

const MODEL_JSON = 'model.json';
const OWN_WEIGHTS = /^weights\.[0-9a-f]{16}\.bin$/;

/** model.json as tfjs writes it. */
interface ModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  modelTopology?: unknown;
  weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
  userDefinedMetadata?: tf.io.ModelArtifacts['userDefinedMetadata'];
  /** Full SHA-256 (hex) of each weights file we wrote, by file name; checked on every read. */
  weightsSha256?: Record<string, string>;
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/**
 * A weights file must hash to what its model.json records (full SHA-256), or, for files saved before that was
 * recorded, to the 16-hex prefix its content-addressed name carries. Foreign file names with no record pass.
 */
function verifyHash(file: string, data: Buffer, recorded: string | undefined): void {
  const named = OWN_WEIGHTS.test(path.basename(file)) ? path.basename(file).slice(8, 24) : undefined;
  if (recorded === undefined && named === undefined) return;
  const actual = sha256(data);
  const expected = recorded ?? named!;
  if (!actual.startsWith(expected)) {
    throw new DetectorError(
      'bad-file',
      `weights file ${file} is corrupt: its SHA-256 is ${actual.slice(0, expected.length)}, model.json expects ${expected}`,
      { file },
    );
  }
}

/** Float weights must be finite: a NaN or Inf loads silently and then scores every input the same. */
function checkFinite(data: Buffer, specs: readonly tf.io.WeightsManifestEntry[], file: string): void {
  let offset = 0;
  for (const spec of specs) {
    const bytes = entryBytes(spec);
    if (spec.dtype === 'float32' && spec.quantization === undefined && bytes > 0) {
      const values = new Float32Array(
        data.buffer.slice(data.byteOffset + offset, data.byteOffset + offset + bytes),
      );
      const bad = values.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) {
        throw new DetectorError(
          'bad-file',
          `${file}: weight ${spec.name} holds a non-finite value (${values[bad]}) at element ${bad}`,
          { file },
        );
      }
    }
    offset += bytes;
  }
}

/** Where a model lives: a folder (holding model.json) or the path of a `.json` file. */
export function modelJsonPath(location: string): string {
  return location.endsWith('.json') ? location : path.join(location, MODEL_JSON);
}

function concat(data: tf.io.WeightData | undefined): Buffer {
  if (data === undefined) return Buffer.alloc(0);
  const parts = Array.isArray(data) ? data : [data];
  return Buffer.concat(parts.map((b) => Buffer.from(b)));
}

/** Writes `file` via a temporary sibling, fsync and rename, so readers never see a partial file. */
export async function writeDurably(file: string, data: string | Buffer): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  const h = await fs.open(tmp, 'w');
  try {
    await h.writeFile(data);
    await h.sync();
  } finally {
    await h.close();
  }
  await fs.rename(tmp, file);
}

async function syncFolder(dir: string): Promise<void> {
  // Makes the renames durable; some file systems do not allow opening a folder, which only weakens durability.
  try {
    const h = await fs.open(dir, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  } catch {
    /* best effort */
  }
}

/** Bytes one manifest entry occupies in the weights data. */
function entryBytes(e: tf.io.WeightsManifestEntry): number {
  const n = e.shape.reduce((a, b) => a * b, 1);
  const q = e.quantization?.dtype;
  if (q !== undefined) return n * (q === 'uint8' ? 1 : 2);
  switch (e.dtype) {
    case 'bool':
      return n;
    case 'complex64':
      return n * 8;
    case 'string':
      return Number.NaN;
    default:
      return n * 4;
  }
}

async function readJson(file: string): Promise<ModelJson> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new DetectorError('bad-file', `cannot read ${file}: ${(e as Error).message}`, { file, cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new DetectorError('bad-file', `${file} is not valid JSON: ${(e as Error).message}`, {
      file,
      cause: e,
    });
  }
  const manifest = (json as { weightsManifest?: unknown } | null)?.weightsManifest;
  if (
    !Array.isArray(manifest) ||
    !manifest.every(
      (g) =>
        g != null &&
        Array.isArray((g as { paths?: unknown }).paths) &&
        Array.isArray((g as { weights?: unknown }).weights),
    )
  ) {
    throw new DetectorError(
      'bad-file',
      `${file} has no valid weightsManifest (an array of {paths, weights})`,
      {
        file,
      },
    );
  }
  return json as ModelJson;
}

function weightFilePath(dir: string, p: string, file: string): string {
  if (typeof p !== 'string' || p === '' || path.isAbsolute(p)) {
    throw new DetectorError(
      'bad-file',
      `${file}: weights path ${JSON.stringify(p)} is not a relative file name`,
      {
        file,
      },
    );
  }
  const resolved = path.resolve(dir, p);
  const rel = path.relative(dir, resolved);
  if (rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new DetectorError('bad-file', `${file}: weights path ${JSON.stringify(p)} points outside ${dir}`, {
      file,
    });
  }
  return resolved;
}

/**
 * Reads model.json and its weight files. Checks that every file exists and that the bytes add up to what the
 * manifest declares, so a truncated or mixed-up file fails here with a message naming it.
 */
export async function readArtifacts(location: string): Promise<tf.io.ModelArtifacts> {
  const file = modelJsonPath(location);
  const dir = path.dirname(file);
  const json = await readJson(file);
  const buffers: Buffer[] = [];
  const specs: tf.io.WeightsManifestEntry[] = [];
  for (const group of json.weightsManifest) {
    const expected = group.weights.reduce((a, e) => a + entryBytes(e), 0);
    const parts: Buffer[] = [];
    for (const p of group.paths) {
      const wf = weightFilePath(dir, p, file);
      try {
        parts.push(await fs.readFile(wf));
      } catch (e) {
        throw new DetectorError(
          'bad-file',
          `cannot read weights file ${wf} named in ${file}: ${(e as Error).message}`,
          {
            file: wf,
            cause: e,
          },
        );
      }
    }
    const got = parts.reduce((a, b) => a + b.length, 0);
    if (!Number.isNaN(expected) && got !== expected) {
      throw new DetectorError(
        'bad-file',
        `weights files [${group.paths.join(', ')}] of ${file} hold ${got} bytes, the manifest declares ${expected}`,
        { file },
      );
    }
    group.paths.forEach((p, i) => verifyHash(path.join(dir, p), parts[i]!, json.weightsSha256?.[p]));
    buffers.push(...parts);
    specs.push(...group.weights);
  }
  const data = Buffer.concat(buffers);
  checkFinite(data, specs, file);
  const artifacts: tf.io.ModelArtifacts = {
    weightSpecs: specs,
    weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer,
  };
  if (json.modelTopology !== undefined) artifacts.modelTopology = json.modelTopology as object;
  if (json.format !== undefined) artifacts.format = json.format;
  if (json.generatedBy !== undefined) artifacts.generatedBy = json.generatedBy;
  if (json.convertedBy !== undefined) artifacts.convertedBy = json.convertedBy;
  if (json.userDefinedMetadata !== undefined) artifacts.userDefinedMetadata = json.userDefinedMetadata;
  return artifacts;
}

/** Writes artifacts atomically (see the module comment). Returns the weights file name. */
export async function writeArtifacts(location: string, artifacts: tf.io.ModelArtifacts): Promise<string> {
  if (artifacts.modelTopology instanceof ArrayBuffer) {
    throw new DetectorError('bad-file', 'binary (protobuf) model topologies cannot be saved as model.json');
  }
  const file = modelJsonPath(location);
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true });
  const data = concat(artifacts.weightData);
  const digest = sha256(data);
  const weightsName = `weights.${digest.slice(0, 16)}.bin`;
  await writeDurably(path.join(dir, weightsName), data);
  const json: ModelJson = {
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [weightsName], weights: artifacts.weightSpecs ?? [] }],
    weightsSha256: { [weightsName]: digest },
  };
  if (artifacts.userDefinedMetadata !== undefined) json.userDefinedMetadata = artifacts.userDefinedMetadata;
  await syncFolder(dir);
  await writeDurably(file, `${JSON.stringify(json)}\n`);
  await syncFolder(dir);
  // Only now may the previous save's weights go: model.json no longer names them.
  for (const f of await fs.readdir(dir)) {
    if (OWN_WEIGHTS.test(f) && f !== weightsName) await fs.rm(path.join(dir, f), { force: true });
  }
  return weightsName;
}

/**
 * A `tf.io.IOHandler` reading and writing the tfjs file format at `location` (a folder, or a path ending in
 * `.json`). Usable with anything that takes an IOHandler, and by {@link saveDetector}/{@link loadDetector}.
 */
export function fileSystem(location: string): tf.io.IOHandler {
  return {
    save: async (artifacts) => {
      await writeArtifacts(location, artifacts);
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    load: () => readArtifacts(location),
  };
}
