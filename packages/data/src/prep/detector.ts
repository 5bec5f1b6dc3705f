import { createRequire } from 'node:module';
import path from 'node:path';
import type { Point } from '@cs-dfd/imaging';
import type { RgbImage } from '../types.js';
import { PrepError } from './errors.js';

/** A face box in pixels of its image. */
export interface FaceBox {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** One detected face. */
export interface DetectedFace {
  readonly box: FaceBox;
  /** Detector confidence in [0, 1]. */
  readonly score: number;
}

/** The faces of one image and the 68 landmarks of its largest face. */
export interface FaceResult {
  /** All faces above the confidence threshold, in the detector's order. */
  readonly faces: readonly DetectedFace[];
  /** Index into `faces` of the largest box (by area), or -1 when there is none. */
  readonly largest: number;
  /** 68 iBUG-300W points of the largest face in image pixels, or undefined when no face was found. */
  readonly landmarks: readonly Point[] | undefined;
}

/** Options of {@link loadFaceDetector}. */
export interface FaceDetectorOptions {
  /**
   * SSD MobileNet v1 score threshold. Default 0.5 (face-api's default); lower finds more small or turned faces and
   * more false ones.
   */
  readonly minConfidence?: number;
  /** Most faces reported per image. Default 100. */
  readonly maxFaces?: number;
  /**
   * tfjs backend to run the networks on: `'wasm'` (default; SIMD, about 0.6 s per 1920×1300 photo here) or `'cpu'`
   * (pure JavaScript, several times slower). This sets the process-wide tfjs backend.
   */
  readonly backend?: 'wasm' | 'cpu';
  /** Folder holding face-api's weight manifests. Default: the `model/` folder inside `@vladmandic/face-api`. */
  readonly modelDir?: string;
}

/** A loaded detector: SSD MobileNet v1 for boxes, face-api's 68-point landmark net for the largest face. */
export interface FaceDetector {
  /** face-api's version and the tfjs backend in use. */
  readonly info: { readonly faceApi: string; readonly backend: string; readonly modelDir: string };
  detect(image: RgbImage): Promise<FaceResult>;
  /** Live tfjs tensors of the networks' instance: constant across `detect` calls (nothing leaks). */
  numTensors(): number;
}

// The narrow slice of face-api's API used here: its bundled typings declare a whole tfjs of their own, which
// would clash with the tfjs-core types elsewhere in the workspace.
interface Tensor {
  readonly shape: number[];
}
interface FaceApiTf {
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  getBackend(): string;
  tensor3d(values: Uint8Array, shape: [number, number, number], dtype: 'int32'): Tensor;
  dispose(t: Tensor | Tensor[]): void;
  memory(): { numTensors: number };
}
interface FaceApiDetection {
  readonly score: number;
  readonly box: FaceBox;
}
interface FaceApiNet {
  readonly isLoaded: boolean;
  loadFromDisk(dir: string): Promise<void>;
}
interface FaceApiModule {
  readonly version: string;
  readonly tf: FaceApiTf;
  readonly nets: {
    readonly ssdMobilenetv1: FaceApiNet;
    readonly faceLandmark68Net: FaceApiNet & {
      detectLandmarks(face: Tensor): Promise<{ readonly positions: readonly { x: number; y: number }[] }>;
    };
  };
  readonly SsdMobilenetv1Options: new (o: { minConfidence: number; maxResults: number }) => object;
  detectAllFaces(input: Tensor, options: object): PromiseLike<FaceApiDetection[]>;
  extractFaceTensors(input: Tensor, detections: FaceApiDetection[]): Promise<Tensor[]>;
}

const require = createRequire(import.meta.url);

/** The packages face-api's Node/wasm build loads, for the install hint. */
export const FACE_API_PACKAGES =
  '@vladmandic/face-api@^1.7.15 @tensorflow/tfjs@4.22.0 @tensorflow/tfjs-backend-wasm@4.22.0';

/** The folder of face-api's bundled weights, or undefined when the package is not installed. */
export function faceApiModelDir(): string | undefined {
  try {
    return path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'model');
  } catch {
    return undefined;
  }
}

/** The folder of face-api's demo photos (`sample1.jpg` … `sample6.jpg`), or undefined when it is not installed. */
export function faceApiDemoDir(): string | undefined {
  const model = faceApiModelDir();
  return model === undefined ? undefined : path.join(path.dirname(model), 'demo');
}

let loaded: FaceApiModule | undefined;

function loadFaceApi(): FaceApiModule {
  if (loaded) return loaded;
  try {
    // face-api's Node build for the wasm backend (CommonJS). Its default `main` needs @tensorflow/tfjs-node, which
    // downloads libtensorflow at install time; its ESM bundle carries a private copy of tfjs. This build shares
    // the process's @tensorflow/tfjs-core instance.
    loaded = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApiModule;
  } catch (e) {
    throw new PrepError(
      'face-api-missing',
      `face detection needs @vladmandic/face-api and the tfjs packages it loads (${(e as Error).message.split('\n')[0]}). ` +
        `Install them: npm install ${FACE_API_PACKAGES}`,
    );
  }
  return loaded;
}

/**
 * Loads face-api's SSD MobileNet v1 detector and 68-point landmark net from the weights that ship inside
 * `@vladmandic/face-api` (read from disk; no network). SSD MobileNet v1 rather than face-api's TinyFaceDetector:
 * on the package's six demo photos it finds every face a person counts, where TinyFaceDetector (416 px input)
 * misses faces on three of them. Throws `face-api-missing` with the install command when the packages are absent.
 */
export async function loadFaceDetector(options: FaceDetectorOptions = {}): Promise<FaceDetector> {
  const minConfidence = options.minConfidence ?? 0.5;
  const maxFaces = options.maxFaces ?? 100;
  if (!(minConfidence > 0 && minConfidence < 1)) {
    throw new PrepError('invalid-option', `minConfidence must lie in (0, 1), got ${minConfidence}`);
  }
  if (!(Number.isInteger(maxFaces) && maxFaces >= 1)) {
    throw new PrepError('invalid-option', `maxFaces must be an integer >= 1, got ${maxFaces}`);
  }
  const faceapi = loadFaceApi();
  const modelDir = options.modelDir ?? faceApiModelDir();
  if (modelDir === undefined) {
    throw new PrepError(
      'face-api-missing',
      `cannot find @vladmandic/face-api's model folder; install ${FACE_API_PACKAGES}`,
    );
  }
  const tf = faceapi.tf;
  const backend = options.backend ?? 'wasm';
  if (tf.getBackend() !== backend) {
    if (!(await tf.setBackend(backend))) {
      throw new PrepError('invalid-option', `tfjs backend "${backend}" failed to initialise`);
    }
  }
  await tf.ready();
  try {
    if (!faceapi.nets.ssdMobilenetv1.isLoaded) await faceapi.nets.ssdMobilenetv1.loadFromDisk(modelDir);
    if (!faceapi.nets.faceLandmark68Net.isLoaded) await faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir);
  } catch (e) {
    throw new PrepError(
      'face-api-missing',
      `cannot load face-api weights from ${modelDir}: ${(e as Error).message}`,
      modelDir,
    );
  }
  const ssdOptions = new faceapi.SsdMobilenetv1Options({ minConfidence, maxResults: maxFaces });

  return {
    info: { faceApi: faceapi.version, backend: tf.getBackend(), modelDir },
    numTensors: () => tf.memory().numTensors,
    async detect(image: RgbImage): Promise<FaceResult> {
      const input = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
      try {
        const found = await faceapi.detectAllFaces(input, ssdOptions);
        const faces = found.map((d) => ({
          box: { x: d.box.x, y: d.box.y, width: d.box.width, height: d.box.height },
          score: d.score,
        }));
        let largest = -1;
        for (let i = 0; i < faces.length; i++) {
          const b = faces[i]!.box;
          const best = largest < 0 ? -1 : faces[largest]!.box.width * faces[largest]!.box.height;
          if (b.width * b.height > best) largest = i;
        }
        if (largest < 0) return { faces, largest, landmarks: undefined };
        const det = found[largest]!;
        const [crop] = await faceapi.extractFaceTensors(input, [det]);
        if (crop === undefined) return { faces, largest, landmarks: undefined };
        try {
          const lm = await faceapi.nets.faceLandmark68Net.detectLandmarks(crop);
          // extractFaceTensors slices the box clipped at the image borders and floored (face-api's
          // Box.clipAtImageBorders); the landmarks come relative to that slice's origin
          const ox = Math.floor(Math.max(det.box.x, 0));
          const oy = Math.floor(Math.max(det.box.y, 0));
          const landmarks = lm.positions.map((p): Point => [p.x + ox, p.y + oy]);
          return { faces, largest, landmarks };
        } finally {
          tf.dispose(crop);
        }
      } finally {
        tf.dispose(input);
      }
    },
  };
}
