/** The three splits of a dataset. */
export type Split = 'train' | 'val' | 'test';
export const SPLITS: readonly Split[] = ['train', 'val', 'test'];

/**
 * Where a sample's image came from: `real`; `original` = a forgery that ships with the dataset (FF++ methods, the
 * folder reader's `fake/<method>/`); `synthesized` = made online from a real frame (SBI) by the batch loader.
 */
export type SourceKind = 'real' | 'original' | 'synthesized';

/** One frame on disk, as the readers return it. */
export interface SampleRecord {
  /** Absolute path of the image, checked to lie inside the dataset root. */
  readonly image: string;
  /** 0 = real, 1 = fake. */
  readonly label: 0 | 1;
  readonly kind: Exclude<SourceKind, 'synthesized'>;
  /** Manipulation method or real source: the DeepfakeBench label key (`FF-DF`, `FF-real`) or the folder name. */
  readonly method: string;
  /**
   * Video id unique across datasets and methods, `<dataset>/<method>/<video>`: FF++'s `000_003` under Deepfakes and
   * under Face2Face are two videos (DeepfakeBench merges them by folder name).
   */
  readonly videoId: string;
  /** Position of this frame in its video's sorted frame list (before sampling). */
  readonly frameIndex: number;
  /** Absolute path of the frame's landmark JSON (68×2), or undefined when the layout has none for it. */
  readonly landmarks: string | undefined;
  readonly split: Split;
}

/** Frames of one split, and what the reader had to skip. */
export interface SplitRecords {
  readonly split: Split;
  readonly records: readonly SampleRecord[];
  /** Number of distinct videos among `records`. */
  readonly videos: number;
}

/** An 8-bit RGB image, rows top to bottom, pixels interleaved r, g, b (the layout `@cs-dfd/forgery` uses). */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  /** `width * height * 3` bytes. */
  readonly data: Uint8Array;
}

/** 68 (or 81) landmark points `[x, y]` in pixel coordinates of their image, dlib's iBUG-300W order. */
export type Landmarks = readonly (readonly [number, number])[];
