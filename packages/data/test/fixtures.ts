// Builds tiny datasets on disk for the tests, in the exact DeepfakeBench layout. Each frame is an 8×8 PNG whose
// red channel encodes the frame number (10·k) and green channel the video (see `videoCode`), so a test can tell
// which frame the reader or loader picked from the pixels alone.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';

export async function tmpDir(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'cs-dfd-data-'));
}

export async function png(file: string, r: number, g: number, b: number, size = 8): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const data = Buffer.alloc(size * size * 3);
  for (let i = 0; i < size * size; i++) data.set([r, g, b], i * 3);
  await sharp(data, { raw: { width: size, height: size, channels: 3 } })
    .png()
    .toFile(file);
}

/** 68 points on a circle inside an image of side `size`. */
export function landmarks68(size: number): [number, number][] {
  return Array.from({ length: 68 }, (_, i) => [
    size / 2 + (size / 4) * Math.cos((2 * Math.PI * i) / 68),
    size / 2 + (size / 4) * Math.sin((2 * Math.PI * i) / 68),
  ]);
}

export interface FFVideo {
  /** FF++ folder, e.g. `manipulated_sequences/Deepfakes` or `original_sequences/youtube`. */
  readonly folder: string;
  readonly video: string;
  readonly frames: number;
  /** Green channel of every frame. */
  readonly code: number;
}

/**
 * Writes frames (and landmark JSON) under `<root>/FaceForensics++/<folder>/c23/frames/<video>/<k>.png` and returns
 * the frame paths relative to root in lexicographic, not frame, order.
 */
export async function writeFFVideo(root: string, v: FFVideo, size = 8): Promise<string[]> {
  const rel: string[] = [];
  for (let k = 0; k < v.frames; k++) {
    const r = `FaceForensics++/${v.folder}/c23/frames/${v.video}/${k}.png`;
    await png(path.join(root, r), 10 * k, v.code, 0, size);
    const lm = path.join(root, `FaceForensics++/${v.folder}/c23/landmarks/${v.video}/${k}.json`);
    await mkdir(path.dirname(lm), { recursive: true });
    await writeFile(lm, JSON.stringify(landmarks68(size)));
    rel.push(r);
  }
  // lexicographic order ("10.png" before "2.png"), as a directory scan or a naive sort gives
  return rel.sort();
}

/**
 * The FF++ fixture: real `000`, and fake `000_003` under both Deepfakes and Face2Face (the same folder name, as in
 * FF++), 12 frames each, written as DeepfakeBench's per-method index files FF-DF.json and FF-F2F.json.
 */
export async function ffFixture(): Promise<{ root: string; df: string; f2f: string }> {
  const root = await tmpDir();
  const real = await writeFFVideo(root, {
    folder: 'original_sequences/youtube',
    video: '000',
    frames: 12,
    code: 1,
  });
  const df = await writeFFVideo(root, {
    folder: 'manipulated_sequences/Deepfakes',
    video: '000_003',
    frames: 12,
    code: 2,
  });
  const f2f = await writeFFVideo(root, {
    folder: 'manipulated_sequences/Face2Face',
    video: '000_003',
    frames: 12,
    code: 3,
  });
  const entry = (label: string, frames: string[]) => ({ label, frames });
  const split = (video: string, label: string, frames: string[]) => ({
    train: { c23: { [video]: entry(label, frames) } },
    val: { c23: {} },
    test: { c23: {} },
  });
  const write = async (name: string, key: string, frames: string[]) => {
    const file = path.join(root, `${name}.json`);
    await writeFile(
      file,
      JSON.stringify({
        [key]: { 'FF-real': split('000', 'FF-real', real), [key]: split('000_003', key, frames) },
      }),
    );
    return file;
  };
  return { root, df: await write('FF-DF', 'FF-DF', df), f2f: await write('FF-F2F', 'FF-F2F', f2f) };
}
