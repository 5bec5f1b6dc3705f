/**
 * A strict reader and writer of the safetensors format (https://github.com/huggingface/safetensors): an 8-byte
 * little-endian header length N, N bytes of JSON `{ name: { dtype, shape, data_offsets: [begin, end] }, ... }`
 * (plus an optional `__metadata__` string map), then the raw little-endian tensor bytes, offsets relative to the
 * end of the header. The reader checks everything the format promises (header bounds, known dtypes, integer
 * shapes, byte counts equal to shape × dtype size, tensors tiling the data region without gaps or overlaps, no
 * truncation) and names the tensor and file in every error, because a checkpoint that loads with a wrong layout
 * gives a silently wrong network. Floating tensors (F32, F16, BF16, F64) convert to float32; other dtypes (e.g.
 * BatchNorm's I64 `num_batches_tracked`) are listed but cannot be read as floats.
 */
import { promises as fs } from 'node:fs';
import { DetectorError } from '../errors.js';
import { writeDurably } from './file-handler.js';

/** Byte size of every dtype the format defines. */
const DTYPE_BYTES: Record<string, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  I64: 8,
  U64: 8,
  F64: 8,
};
/** The dtypes {@link SafetensorsFile.float32} converts. */
export const FLOAT_DTYPES = ['F32', 'F16', 'BF16', 'F64'] as const;
/** The format's cap on the header (100 MB), which also bounds what a corrupt length field can make us allocate. */
const MAX_HEADER = 100_000_000;

/** One tensor's header entry. */
export interface SafetensorsEntry {
  dtype: string;
  shape: number[];
  /** Byte range in the data region, [begin, end). */
  offsets: [number, number];
}

/** A plain float32 tensor: row-major data and its shape. */
export interface FloatTensor {
  shape: number[];
  data: Float32Array;
}

function fail(file: string, message: string, weight?: string): never {
  throw new DetectorError(
    'bad-file',
    `${file}: ${weight === undefined ? '' : `tensor '${weight}': `}${message}`,
    weight === undefined ? { file } : { file, weight },
  );
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 0x1f) return frac === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** A parsed safetensors file: its entries (in header order), metadata and float32 access by name. */
export class SafetensorsFile {
  private constructor(
    /** Where the bytes came from (for messages). */
    readonly file: string,
    readonly entries: ReadonlyMap<string, SafetensorsEntry>,
    readonly metadata: Readonly<Record<string, string>>,
    private readonly data: Uint8Array,
  ) {}

  /** Parses and validates `bytes`; `file` names the source in errors. */
  static parse(bytes: Uint8Array, file: string): SafetensorsFile {
    if (bytes.length < 8) fail(file, `${bytes.length} bytes is too short for the 8-byte header length`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = view.getBigUint64(0, true);
    if (n > BigInt(Math.min(MAX_HEADER, bytes.length - 8))) {
      fail(
        file,
        `header length ${n} exceeds the file (${bytes.length} bytes) or the 100 MB limit (truncated?)`,
      );
    }
    const headerEnd = 8 + Number(n);
    let header: unknown;
    try {
      header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, headerEnd)));
    } catch (e) {
      fail(file, `header is not UTF-8 JSON (${(e as Error).message})`);
    }
    if (header === null || typeof header !== 'object' || Array.isArray(header)) {
      fail(file, 'header is not a JSON object');
    }
    const data = bytes.subarray(headerEnd);
    const entries = new Map<string, SafetensorsEntry>();
    let metadata: Record<string, string> = {};
    for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
      if (name === '__metadata__') {
        if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
          fail(file, '__metadata__ is not an object');
        for (const [k, v] of Object.entries(raw as object)) {
          if (typeof v !== 'string') fail(file, `__metadata__.${k} is not a string`);
        }
        metadata = raw as Record<string, string>;
        continue;
      }
      const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      if (e === null || typeof e !== 'object') fail(file, 'entry is not an object', name);
      const size = typeof e.dtype === 'string' ? DTYPE_BYTES[e.dtype] : undefined;
      if (size === undefined) fail(file, `unknown dtype ${JSON.stringify(e.dtype)}`, name);
      const shape = e.shape;
      if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
        fail(file, `shape ${JSON.stringify(shape)} is not a list of non-negative integers`, name);
      }
      const off = e.data_offsets;
      if (
        !Array.isArray(off) ||
        off.length !== 2 ||
        !off.every((o) => Number.isSafeInteger(o) && o >= 0) ||
        off[0] > off[1]
      ) {
        fail(file, `data_offsets ${JSON.stringify(off)} is not [begin, end] with 0 <= begin <= end`, name);
      }
      const count = (shape as number[]).reduce((a, d) => a * d, 1);
      if (off[1] - off[0] !== count * size) {
        fail(
          file,
          `${e.dtype} shape [${shape.join(', ')}] needs ${count * size} bytes but data_offsets [${off[0]}, ${off[1]}] hold ${off[1] - off[0]}`,
          name,
        );
      }
      if (off[1] > data.length) {
        fail(
          file,
          `data_offsets end ${off[1]} is past the data region's ${data.length} bytes (truncated file?)`,
          name,
        );
      }
      entries.set(name, {
        dtype: e.dtype as string,
        shape: [...(shape as number[])],
        offsets: [off[0], off[1]],
      });
    }
    // The format requires the tensors to tile the data region exactly: a gap or overlap means a corrupt writer.
    const sorted = [...entries].sort(
      (a, b) => a[1].offsets[0] - b[1].offsets[0] || a[1].offsets[1] - b[1].offsets[1],
    );
    let at = 0;
    for (const [name, e] of sorted) {
      if (e.offsets[0] !== at) {
        fail(
          file,
          `data starts at byte ${e.offsets[0]} but the previous tensor ends at ${at} (gap or overlap)`,
          name,
        );
      }
      at = e.offsets[1];
    }
    if (at !== data.length) fail(file, `tensors cover ${at} bytes but the data region holds ${data.length}`);
    return new SafetensorsFile(file, entries, metadata, data);
  }

  /** Reads and parses a file. */
  static async read(file: string): Promise<SafetensorsFile> {
    let bytes: Buffer;
    try {
      bytes = await fs.readFile(file);
    } catch (e) {
      throw new DetectorError('bad-file', `${file}: cannot read (${(e as Error).message})`, {
        file,
        cause: e,
      });
    }
    return SafetensorsFile.parse(bytes, file);
  }

  /** Names in header order. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  /** The tensor `name` as float32 (a copy). Throws naming the tensor for an absent name or a non-float dtype. */
  float32(name: string): FloatTensor {
    const e = this.entries.get(name);
    if (e === undefined) fail(this.file, 'not in the file', name);
    const [begin, end] = e.offsets;
    const bytes = this.data.subarray(begin, end);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const count = e.shape.reduce((a, d) => a * d, 1);
    const out = new Float32Array(count);
    switch (e.dtype) {
      case 'F32':
        for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
        break;
      case 'F64':
        for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i, true);
        break;
      case 'F16':
        for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
        break;
      case 'BF16': {
        const bits = new Uint32Array(out.buffer);
        for (let i = 0; i < count; i++) bits[i] = view.getUint16(2 * i, true) << 16;
        break;
      }
      default:
        fail(this.file, `dtype ${e.dtype} is not a float type (${FLOAT_DTYPES.join(', ')})`, name);
    }
    return { shape: [...e.shape], data: out };
  }
}

/**
 * Encodes float32 tensors as safetensors (F32, in the given order, header padded with spaces to 8 bytes as the
 * reference writer does). Data length must equal the shape's product.
 */
export function encodeSafetensors(
  tensors: ReadonlyMap<string, FloatTensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let at = 0;
  for (const [name, t] of tensors) {
    const count = t.shape.reduce((a, d) => a * d, 1);
    if (count !== t.data.length) {
      throw new DetectorError(
        'invalid-input',
        `safetensors: tensor '${name}' has ${t.data.length} values but shape [${t.shape.join(', ')}]`,
        { weight: name },
      );
    }
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [at, at + 4 * count] };
    at += 4 * count;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const head = Buffer.from(json, 'utf-8');
  const out = new Uint8Array(8 + head.length + at);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let p = 8 + head.length;
  for (const t of tensors.values()) {
    for (let i = 0; i < t.data.length; i++, p += 4) view.setFloat32(p, t.data[i] as number, true);
  }
  return out;
}

/** Writes {@link encodeSafetensors}'s bytes to `file` atomically. */
export async function writeSafetensors(
  file: string,
  tensors: ReadonlyMap<string, FloatTensor>,
  metadata: Record<string, string> = {},
): Promise<void> {
  await writeDurably(file, Buffer.from(encodeSafetensors(tensors, metadata)));
}
