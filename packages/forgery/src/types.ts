/** An 8-bit RGB image, rows top to bottom, pixels interleaved `r, g, b` (no alpha, no padding). */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  /** `width * height * 3` bytes. */
  readonly data: Uint8Array | Uint8ClampedArray;
}

/**
 * A single-channel float mask the size of its image, one value per pixel in [0, 1], row-major.
 * 1 means "take the source", 0 "keep the target".
 */
export interface Mask {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

/** One landmark, `[x, y]` in pixel coordinates (pixel `(i, j)` covers `[i, i+1) × [j, j+1)`, its centre is `(i+0.5, j+0.5)`). */
export type Point = readonly [number, number];

/** 68 points in dlib's iBUG-300W order, or 81 (the 68 plus 13 forehead points, as in the 81-point dlib model). */
export type Landmarks = readonly Point[];

/** A face: an image and its landmarks. */
export interface Face {
  readonly image: RgbImage;
  readonly landmarks: Landmarks;
}
