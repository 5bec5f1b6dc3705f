import { readFile } from 'node:fs/promises';
import { DataError } from './errors.js';
import { fileReads } from './read-limit.js';
import type { Landmarks } from './types.js';

/** Point counts accepted: dlib's 68, or 81 (68 + 13 forehead points). */
export const LANDMARK_COUNTS: readonly number[] = [68, 81];

/**
 * Reads a landmark JSON file: an array of N `[x, y]` pairs of finite numbers, N in {@link LANDMARK_COUNTS}. Throws
 * `missing-file`, or `landmark-shape` naming the file and the shape found.
 */
export async function loadLandmarks(file: string): Promise<Landmarks> {
  let text: string;
  try {
    text = await fileReads.run(() => readFile(file, 'utf8'));
  } catch (e) {
    throw new DataError(
      'missing-file',
      `cannot read landmarks ${file}: ${(e as NodeJS.ErrnoException).code ?? e}`,
      {
        file,
      },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new DataError('landmark-shape', `landmarks ${file} are not JSON: ${(e as Error).message}`, {
      file,
    });
  }
  return checkLandmarks(json, file);
}

/** Validates an in-memory landmark array (see {@link loadLandmarks}); `file` names it in errors. */
export function checkLandmarks(json: unknown, file: string): Landmarks {
  if (!Array.isArray(json) || !LANDMARK_COUNTS.includes(json.length)) {
    const found = Array.isArray(json) ? `${json.length} entries` : typeof json;
    throw new DataError(
      'landmark-shape',
      `landmarks ${file}: expected ${LANDMARK_COUNTS.join(' or ')}×2, found ${found}`,
      {
        file,
      },
    );
  }
  json.forEach((p: unknown, i) => {
    if (!Array.isArray(p) || p.length !== 2 || !p.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new DataError(
        'landmark-shape',
        `landmarks ${file}: point ${i} is ${JSON.stringify(p)}, expected [x, y] finite numbers`,
        { file },
      );
    }
  });
  return json as [number, number][];
}
