import { z } from 'zod';

/** A camera pipeline: optics blur, tone curve, sensor noise, then JPEG. */
export const CameraSchema = z
  .object({
    /** Gaussian optics blur σ in pixels at a 96-px frame (scaled with the frame size). */
    blur: z.number().min(0).max(4),
    /** Sensor noise σ in 8-bit levels (read noise; shot noise adds σ·√(I/255)). */
    noise: z.number().min(0).max(40),
    /** Tone curve exponent applied to [0, 1] intensities (1 = linear). */
    gamma: z.number().min(0.5).max(2),
    /** JPEG quality, 1..100. */
    jpegQuality: z.int().min(1).max(100),
    /** JPEG chroma subsampling. */
    chroma: z.enum(['4:4:4', '4:2:0']),
  })
  .strict();

/** A camera pipeline (see {@link CameraSchema}). */
export type Camera = z.infer<typeof CameraSchema>;

/** Source domain camera: mild blur and noise, high JPEG quality, full chroma (an "HQ c23"-like capture). */
export const SOURCE_CAMERA: Camera = { blur: 0.5, noise: 3, gamma: 1, jpegQuality: 85, chroma: '4:4:4' };
/** Target domain camera: softer optics, more noise, a tone curve, stronger JPEG with 4:2:0 chroma. */
export const TARGET_CAMERA: Camera = { blur: 0.9, noise: 5, gamma: 0.85, jpegQuality: 60, chroma: '4:2:0' };

/** Defaults of {@link FaceworldOptions}; sized so that the default dataset generates in under two minutes here. */
export const DEFAULTS = {
  seed: 0,
  identities: 32,
  targetIdentities: 12,
  videosPerIdentity: 3,
  frames: 8,
  size: 96,
  sharedCue: 0.1,
  opposingTrace: 0.6,
  sourceCamera: SOURCE_CAMERA,
  targetCamera: TARGET_CAMERA,
} as const;

/** Schema of the generator options; every field has a default. */
export const OptionsSchema = z
  .object({
    /** Dataset seed (integer 0..2^32-1). Same seed and options -> byte-identical dataset. */
    seed: z.int().min(0).max(4294967295).default(DEFAULTS.seed),
    /** People in the source domain (split train/val/test by person, at least 2 each). */
    identities: z.int().min(6).max(100_000).default(DEFAULTS.identities),
    /** People in the held-out target domain (test only). */
    targetIdentities: z.int().min(2).max(100_000).default(DEFAULTS.targetIdentities),
    /** Clips per person (each clip has a real version and one per forgery family). */
    videosPerIdentity: z.int().min(1).max(1000).default(DEFAULTS.videosPerIdentity),
    /** Frames sampled evenly from each 250-frame clip. */
    frames: z.int().min(1).max(250).default(DEFAULTS.frames),
    /** Frame side in pixels (square frames). */
    size: z.int().min(48).max(512).default(DEFAULTS.size),
    /**
     * Strength of the cue source forgeries share with self-blended images: residual colour mismatch and sharpness
     * of the blending boundary. 0 = perfect colour transfer and very soft masks; 1 = full mismatch, sharp masks.
     */
    sharedCue: z.number().min(0).max(1).default(DEFAULTS.sharedCue),
    /**
     * High-frequency energy the source generator adds inside its masks (sharpening and fine noise), the opposite
     * of what blending produces. 0 = none.
     */
    opposingTrace: z.number().min(0).max(1).default(DEFAULTS.opposingTrace),
    /**
     * Replaces every source family's manipulation by the inverse of a blending trace (`inverse.ts`): the face
     * sharpened before the camera, with the real clip's own sensor noise, no boundary and no colour shift — the
     * candidate for the conflicting regime of DESIGN §8. Absent (not 0) by default, so the datasets and cache
     * folders of every option set without it stay as they were.
     */
    inverseTrace: z.number().min(0).max(1).optional(),
    sourceCamera: CameraSchema.default(SOURCE_CAMERA),
    targetCamera: CameraSchema.default(TARGET_CAMERA),
  })
  .strict();

/** Options as a caller writes them (all optional). */
export type FaceworldOptionsInput = z.input<typeof OptionsSchema>;
/** Options with every default filled in. */
export type FaceworldOptions = z.output<typeof OptionsSchema>;

/** Invalid generator options: `key` names the offending field (dotted path). */
export class FaceworldOptionsError extends Error {
  override readonly name = 'FaceworldOptionsError';
  constructor(
    readonly key: string,
    readonly detail: string,
    readonly value: unknown,
  ) {
    super(`faceworld options: ${key}: ${detail} (got ${JSON.stringify(value)})`);
  }
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const k of path)
    v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

/** Validates options and fills defaults; throws {@link FaceworldOptionsError} naming the first bad key. */
export function parseOptions(input: FaceworldOptionsInput = {}): FaceworldOptions {
  const r = OptionsSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
  const path = [...issue.path, ...keys.slice(0, 1)];
  const key = path.length ? path.map(String).join('.') : '(options)';
  throw new FaceworldOptionsError(key, issue.message, valueAt(input, path));
}
