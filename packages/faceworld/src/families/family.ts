/**
 * The contract of a faceworld family: what it is (label, dataset, role, pool, trace) and how it turns the real
 * frame into its output. `Faceworld.renderFrame` builds one {@link FamilyContext} per frame and calls the
 * family's `render`; the registry in `index.ts` lists the families.
 */
import type { Rng } from '@cs-dfd/rng';
import type { Identity } from '../identity.js';
import type { Camera, FaceworldOptions } from '../options.js';
import type { Canvas } from '../raster.js';
import type { Scene } from '../render.js';
import type { Expression } from '../shape.js';
import type { FrameState, VideoParams } from '../video.js';

/** The two datasets faceworld writes. */
export const DATASETS = { source: 'faceworld-source', target: 'faceworld-target' } as const;

/** A dataset name. */
export type DatasetName = (typeof DATASETS)[keyof typeof DATASETS];

/** What a family is and where it goes (written to `faceworld.json` as is). */
export interface FamilyInfo<L extends string = string> {
  /** The label of its videos; also the family's name. */
  readonly label: L;
  readonly dataset: DatasetName;
  /** 0 real, 1 fake (DeepfakeBench's label_dict value). */
  readonly target: 0 | 1;
  /** `source` forgeries train the detector; `target` ones are held out (cross-dataset test only). */
  readonly role: 'real' | 'source' | 'target';
  /** Identity pool: 0 source people, 1 target people. */
  readonly pool: 0 | 1;
  /** Whether another person of the same split provides a face or an expression. */
  readonly donor: boolean;
  /** Short description of the manipulation and its low-level trace. */
  readonly trace: string;
}

/** Everything a family may use to make one frame. Random draws come only from `fx` and `captured()`. */
export interface FamilyContext {
  readonly options: FaceworldOptions;
  /** Frame side in pixels. */
  readonly size: number;
  /** `size / ANALYSIS_SIZE`: traces are designed at the 64-px analysis scale and scaled by this. */
  readonly scale: number;
  /** The person filmed. */
  readonly person: Identity;
  /** The donor person (for families with `donor: false`, the person itself). */
  readonly donor: Identity;
  readonly clip: VideoParams;
  readonly state: FrameState;
  /** The real scene of this frame, before the camera. */
  readonly scene: Scene;
  /** The family's camera (the pool's). */
  readonly camera: Camera;
  /** The real frame through the camera, a new canvas on every call (same bytes each time). */
  captured(): Canvas;
  /** The frame's forgery stream. */
  readonly fx: Rng;
  /** Feather σ of source-family masks (the `sharedCue` knob). */
  readonly feather: number;
  /** Residual colour offset of source-family fakes (the `sharedCue` knob). */
  readonly cueOffset: readonly [number, number, number];
  /** Adds the `opposingTrace` high frequencies to a source family's generator output, in place. */
  sourceFinish(g: Canvas): void;
  /** The expression of the donor's clip at this frame's time. */
  drivingExpression(): Expression;
}

/** What a family made: the frame before JPEG, its manipulation mask, and the scene its landmarks come from. */
export interface FamilyOutput {
  readonly canvas: Canvas;
  /** Manipulation weight per pixel (0..1). Default: all zeros (a real). */
  readonly mask?: Float32Array;
  /** The scene whose landmarks, labels and face mask the frame reports. Default: the real scene. */
  readonly scene?: Scene;
}

/** A family: its description and its renderer. */
export interface ForgeryFamily<L extends string = string> extends FamilyInfo<L> {
  render(ctx: FamilyContext): FamilyOutput;
}

/** Types a family literal, keeping its label as a string literal type (for {@link FamilyLabel} in the registry). */
export function defineFamily<const L extends string>(family: ForgeryFamily<L>): ForgeryFamily<L> {
  return family;
}
