import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { naturalCompare } from '../paths.js';
import { PrepError } from './errors.js';

const run = promisify(execFile);

/** Video file extensions handed to ffmpeg. */
export const VIDEO_EXTENSIONS: readonly string[] = [
  '.mp4',
  '.avi',
  '.mov',
  '.mkv',
  '.webm',
  '.m4v',
  '.mpg',
  '.mpeg',
];

/** Paths of the `ffmpeg` and `ffprobe` executables. */
export interface FfmpegTools {
  readonly ffmpeg: string;
  readonly ffprobe: string;
}

async function onPath(name: string, searchPath: string): Promise<string | undefined> {
  for (const dir of searchPath.split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/**
 * Finds `ffmpeg` and `ffprobe` on `searchPath` (default `$PATH`). Throws `ffmpeg-missing`, naming the video that
 * needed them and how to install them, when either is absent.
 */
export async function findFfmpeg(video: string, searchPath = process.env.PATH ?? ''): Promise<FfmpegTools> {
  const ffmpeg = await onPath('ffmpeg', searchPath);
  const ffprobe = await onPath('ffprobe', searchPath);
  if (ffmpeg === undefined || ffprobe === undefined) {
    const missing = [ffmpeg ? undefined : 'ffmpeg', ffprobe ? undefined : 'ffprobe']
      .filter(Boolean)
      .join(' and ');
    throw new PrepError(
      'ffmpeg-missing',
      `${video} is a video file; reading videos needs ffmpeg and ffprobe, and ${missing} ` +
        `${missing.includes(' and ') ? 'are' : 'is'} not on PATH (${searchPath || 'empty'}). Install ffmpeg ` +
        '(Debian/Ubuntu: apt-get install ffmpeg; macOS: brew install ffmpeg), or extract the frames into one ' +
        'folder of images per video yourself.',
      video,
    );
  }
  return { ffmpeg, ffprobe };
}

/** Number of frames of the first video stream (packets counted by ffprobe: exact, without decoding). */
export async function countFrames(tools: FfmpegTools, video: string): Promise<number> {
  let out: string;
  try {
    ({ stdout: out } = await run(tools.ffprobe, [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-count_packets',
      '-show_entries',
      'stream=nb_read_packets',
      '-of',
      'csv=p=0',
      video,
    ]));
  } catch (e) {
    throw new PrepError('ffmpeg-failed', `ffprobe cannot read ${video}: ${firstLine(e)}`, video);
  }
  const n = Number.parseInt(out.trim(), 10);
  if (!(Number.isInteger(n) && n > 0)) {
    throw new PrepError(
      'ffmpeg-failed',
      `ffprobe finds no video frames in ${video} (got "${out.trim()}")`,
      video,
    );
  }
  return n;
}

/**
 * Decodes the frames with the given 0-based indices (increasing) into `dir` as PNG and returns their paths in the
 * order of `indices`. One ffmpeg run with a `select` filter: the video is decoded once, only the picks are written.
 */
export async function extractFrames(
  tools: FfmpegTools,
  video: string,
  indices: readonly number[],
  dir: string,
): Promise<string[]> {
  const select = indices.map((i) => `eq(n\\,${i})`).join('+');
  try {
    await run(tools.ffmpeg, [
      '-v',
      'error',
      '-nostdin',
      '-i',
      video,
      '-vf',
      `select=${select}`,
      '-fps_mode',
      'passthrough',
      '-start_number',
      '0',
      path.join(dir, '%d.png'),
    ]);
  } catch (e) {
    throw new PrepError('ffmpeg-failed', `ffmpeg cannot decode ${video}: ${firstLine(e)}`, video);
  }
  const files = (await readdir(dir)).filter((f) => f.endsWith('.png')).sort(naturalCompare);
  if (files.length !== indices.length) {
    throw new PrepError(
      'ffmpeg-failed',
      `ffmpeg wrote ${files.length} of the ${indices.length} frames asked from ${video}`,
      video,
    );
  }
  return files.map((f) => path.join(dir, f));
}

function firstLine(e: unknown): string {
  const err = e as { stderr?: string; message?: string };
  return (err.stderr?.trim() || err.message || String(e)).split('\n')[0]!;
}
