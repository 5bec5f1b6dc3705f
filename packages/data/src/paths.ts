import path from 'node:path';
import { DataError } from './errors.js';

/**
 * Resolves `p` (relative to `root`, or absolute; `\` separators from Windows-made indexes accepted) and refuses
 * anything outside `root`: an index or folder must not make the loader read `/etc/passwd` or `../other`.
 */
export function resolveInside(root: string, p: string, context: string): string {
  const absRoot = path.resolve(root);
  const normal = p.replaceAll('\\', '/');
  const abs = path.resolve(absRoot, normal);
  const rel = path.relative(absRoot, abs);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new DataError(
      'path-escape',
      `${context}: "${p}" resolves to ${abs}, outside the dataset root ${absRoot}`,
      {
        file: abs,
      },
    );
  }
  return abs;
}

/**
 * The landmark file DeepfakeBench's layout pairs with a frame: the last `frames` directory replaced by `landmarks`,
 * the extension by `.json` (DeepfakeBench uses `.npy`; this package writes and reads JSON). Undefined when the path
 * has no `frames` directory.
 */
export function landmarkPathFor(framePath: string): string | undefined {
  const parts = framePath.split(path.sep);
  const i = parts.lastIndexOf('frames');
  if (i < 0 || i === parts.length - 1) return undefined;
  parts[i] = 'landmarks';
  const file = parts[parts.length - 1]!;
  const dot = file.lastIndexOf('.');
  parts[parts.length - 1] = `${dot > 0 ? file.slice(0, dot) : file}.json`;
  return parts.join(path.sep);
}

/** Natural order ("2.png" before "10.png"): frame lists from directory scans come in arbitrary order. */
export const naturalCompare = new Intl.Collator('en', { numeric: true, sensitivity: 'base' }).compare;
