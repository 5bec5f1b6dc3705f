// Video input through ffmpeg, and the message when ffmpeg is missing (tested with an injected, empty PATH).
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { faceApiDemoDir, loadFaceDetector } from '../src/prep/detector.js';
import { PrepError } from '../src/prep/errors.js';
import { countFrames, extractFrames, findFfmpeg } from '../src/prep/ffmpeg.js';
import { prepareDataset } from '../src/prep/prepare.js';
import { tmpDir } from './fixtures.js';

function which(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const haveFfmpeg = which('ffmpeg') && which('ffprobe');

describe('without ffmpeg', () => {
  it('says which video needed it and how to install it', async () => {
    const empty = await tmpDir();
    const err = await findFfmpeg('/data/clip.mp4', empty).catch((e) => e);
    expect(err).toBeInstanceOf(PrepError);
    expect(err.code).toBe('ffmpeg-missing');
    expect(err.file).toBe('/data/clip.mp4');
    expect(err.message).toContain('/data/clip.mp4 is a video file');
    expect(err.message).toContain('ffmpeg and ffprobe are not on PATH');
    expect(err.message).toContain('apt-get install ffmpeg');
  });

  it('stops prepareDataset before any work when the input holds a video file', async () => {
    const root = await tmpDir();
    await mkdir(path.join(root, 'in', 'fake', 'df'), { recursive: true });
    await writeFile(
      path.join(root, 'in', 'fake', 'df', '000_003.mp4'),
      'not decoded: ffmpeg is looked up first',
    );
    const err = await prepareDataset({
      input: path.join(root, 'in'),
      out: path.join(root, 'out'),
      searchPath: path.join(root, 'nowhere'),
    }).catch((e) => e);
    expect(err).toBeInstanceOf(PrepError);
    expect(err.code).toBe('ffmpeg-missing');
    expect(err.message).toContain(path.join(root, 'in', 'fake', 'df', '000_003.mp4'));
  });
});

describe('with ffmpeg', () => {
  // Not skipped when ffmpeg is missing: the video path is part of what ships, so a machine without it fails loudly.
  beforeAll(() => {
    if (!haveFfmpeg)
      throw new Error(
        'ffmpeg/ffprobe are not on PATH: install them (Debian: apt-get install -y ffmpeg; .ci/run does)',
      );
  });
  /** A lossless 12-frame video whose frame k is solid red 20·k. */
  async function codedVideo(dir: string): Promise<string> {
    const frames = await mkdtemp(path.join(dir, 'src-'));
    for (let k = 0; k < 12; k++) {
      await sharp({ create: { width: 32, height: 32, channels: 3, background: { r: 20 * k, g: 0, b: 0 } } })
        .png()
        .toFile(path.join(frames, `${k}.png`));
    }
    const video = path.join(dir, 'coded.mkv');
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-framerate',
      '25',
      '-i',
      path.join(frames, '%d.png'),
      '-c:v',
      'ffv1',
      video,
    ]);
    return video;
  }

  it('counts the frames and decodes exactly the requested ones', async () => {
    const dir = await tmpDir();
    const video = await codedVideo(dir);
    const tools = await findFfmpeg(video);
    expect(await countFrames(tools, video)).toBe(12);
    const out = await mkdtemp(path.join(dir, 'out-'));
    const files = await extractFrames(tools, video, [0, 5, 11], out);
    const reds = [];
    for (const f of files) reds.push((await sharp(f).raw().toBuffer())[0]);
    expect(reds).toEqual([0, 100, 220]);
  });

  it('names a file ffprobe cannot read', async () => {
    const dir = await tmpDir();
    const bad = path.join(dir, 'bad.mp4');
    await writeFile(bad, 'garbage');
    const err = await countFrames(await findFfmpeg(bad), bad).catch((e) => e);
    expect(err).toBeInstanceOf(PrepError);
    expect(err.code).toBe('ffmpeg-failed');
    expect(err.message).toContain(bad);
  });

  it('preprocesses a video file: evenly spaced frames, faces found in each', async () => {
    const dir = await tmpDir();
    const clipDir = path.join(dir, 'in', 'real');
    await mkdir(clipDir, { recursive: true });
    // five frames: blank, photo, photo, photo, blank; three evenly spaced frames are 0, 2, 4
    const src = await mkdtemp(path.join(dir, 'src-'));
    const photo = await sharp(path.join(faceApiDemoDir()!, 'sample6.jpg'))
      .resize(640, 512, { fit: 'fill' })
      .png()
      .toBuffer();
    const blank = await sharp({
      create: { width: 640, height: 512, channels: 3, background: { r: 200, g: 200, b: 200 } },
    })
      .png()
      .toBuffer();
    for (const [k, img] of [blank, photo, photo, photo, blank].entries())
      await writeFile(path.join(src, `${k}.png`), img);
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-y',
      '-framerate',
      '5',
      '-i',
      path.join(src, '%d.png'),
      '-c:v',
      'ffv1',
      path.join(clipDir, 'party.mkv'),
    ]);
    const detector = await loadFaceDetector();
    const report = await prepareDataset({
      input: path.join(dir, 'in'),
      out: path.join(dir, 'out'),
      framesPerVideo: 3,
      size: 64,
      detector,
    });
    const video = path.join(clipDir, 'party.mkv');
    // evenly spaced over 5 frames: 0, 2, 4 -> blank, photo, blank
    expect(report.frames.map((f) => [f.source, f.faces])).toEqual([
      [`${video}#0`, 0],
      [`${video}#2`, 4],
      [`${video}#4`, 0],
    ]);
    expect(report.notFound).toEqual([`${video}#0`, `${video}#4`]);
    expect(report.frames[1]!.frameFile).toMatch(/frames[/\\]party[/\\]002\.png$/);
  }, 30_000);
});
