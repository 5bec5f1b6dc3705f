import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { FAMILIES } from './families/index.js';
import { framePath, landmarkPathFor, maskPathFor, type VideoJob } from './plan.js';
import type { Faceworld, RenderedFrame } from './world.js';

/** Landmarks as DeepfakeBench-style JSON: 68 [x, y] pairs, rounded to 1/1000 px. */
export function landmarksJson(landmarks: Float64Array): string {
  const rows: string[] = [];
  for (let i = 0; i < landmarks.length; i += 2) {
    rows.push(`[${Math.round(landmarks[i]! * 1000) / 1000},${Math.round(landmarks[i + 1]! * 1000) / 1000}]`);
  }
  return `[${rows.join(',')}]\n`;
}

/** Lossless PNG of an RGB frame. */
export function encodePng(frame: RenderedFrame): Promise<Buffer> {
  return sharp(frame.image, { raw: { width: frame.width, height: frame.height, channels: 3 } })
    .png({ compressionLevel: 6, adaptiveFiltering: true })
    .toBuffer();
}

async function encodeMask(frame: RenderedFrame): Promise<Buffer> {
  const g = new Uint8ClampedArray(frame.mask.length);
  for (let i = 0; i < g.length; i++) g[i] = frame.mask[i]! * 255;
  return sharp(g, { raw: { width: frame.width, height: frame.height, channels: 1 } })
    .png({ compressionLevel: 6 })
    .toBuffer();
}

const made = new Set<string>();

async function write(root: string, rel: string, data: string | Buffer): Promise<void> {
  const path = join(root, rel);
  const dir = dirname(path);
  if (!made.has(dir)) {
    await mkdir(dir, { recursive: true });
    made.add(dir);
  }
  await writeFile(path, data);
}

/**
 * Renders and writes one clip (frames, landmarks, and masks for fakes). Frames of a clip are rendered in turn
 * while the previous frame's encoding runs on libuv's pool, so JavaScript and libvips overlap.
 * Returns the frame paths relative to `root`.
 */
export async function writeVideo(
  world: Faceworld,
  job: VideoJob,
  root: string,
  onFrame?: () => void,
): Promise<string[]> {
  const paths: string[] = [];
  const pending: Promise<void>[] = [];
  const fake = FAMILIES[job.label].target === 1;
  for (let k = 0; k < world.options.frames; k++) {
    const frame = await world.renderFrame({
      family: job.label,
      identity: job.identity,
      video: job.video,
      frame: k,
      ...(job.donor === null ? {} : { donor: job.donor }),
    });
    const rel = framePath(job, k);
    paths.push(rel);
    pending.push(
      (async () => {
        await write(root, rel, await encodePng(frame));
        await write(root, landmarkPathFor(rel), landmarksJson(frame.landmarks));
        if (fake) await write(root, maskPathFor(rel), await encodeMask(frame));
        onFrame?.();
      })(),
    );
  }
  await Promise.all(pending);
  return paths;
}
