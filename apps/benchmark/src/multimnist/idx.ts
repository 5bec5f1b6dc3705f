import { MultiMnistError } from './errors.js';

/** An unsigned-byte IDX array (the format MNIST ships in): its dimensions and its row-major bytes. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** IDX type code of unsigned bytes, the only element type MNIST uses. */
const UBYTE = 0x08;

/**
 * Parses an IDX file (magic `00 00 08 n`, then n big-endian uint32 dimensions, then the bytes). `file` only
 * names the source in errors. The data is a view into `bytes`, not a copy.
 */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  const fail = (why: string): never => {
    throw new MultiMnistError('bad-file', `${file}: not an unsigned-byte IDX file (${why})`);
  };
  if (bytes.length < 4) fail(`${bytes.length} bytes, need at least a 4-byte header`);
  if (bytes[0] !== 0 || bytes[1] !== 0) fail(`magic starts with ${bytes[0]}, ${bytes[1]} instead of 0, 0`);
  if (bytes[2] !== UBYTE) fail(`element type 0x${bytes[2]!.toString(16)}, expected 0x08 (ubyte)`);
  const rank = bytes[3]!;
  if (rank === 0) fail('rank 0');
  const header = 4 + 4 * rank;
  if (bytes.length < header) fail(`${bytes.length} bytes, header of rank ${rank} needs ${header}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const size = dims.reduce((a, b) => a * b, 1);
  if (bytes.length - header !== size)
    fail(`dimensions [${dims.join(', ')}] need ${size} data bytes, file has ${bytes.length - header}`);
  return { dims, data: bytes.subarray(header) };
}
