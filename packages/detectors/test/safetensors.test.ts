import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DetectorError, encodeSafetensors, type FloatTensor, SafetensorsFile } from '../src/index.js';
import { torchFixtures } from './torch-fixtures.js';

function header(json: string, data = new Uint8Array(0)): Uint8Array {
  const h = Buffer.from(json);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

function badFile(bytes: Uint8Array, pattern: RegExp): void {
  let err: unknown;
  try {
    SafetensorsFile.parse(bytes, 'x.safetensors');
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(DetectorError);
  expect((err as DetectorError).code).toBe('bad-file');
  expect((err as Error).message).toMatch(/x\.safetensors/);
  expect((err as Error).message).toMatch(pattern);
}

describe('safetensors reader', () => {
  it('reads what PyTorch-side code wrote: F32 exactly, F16/BF16/F64 as torch converts them, I64 refused by name', async () => {
    const st = await SafetensorsFile.read(path.join(torchFixtures(), 'dtypes.safetensors'));
    const f32 = st.float32('f32');
    expect(f32.shape).toEqual([3, 5]);
    expect(st.float32('f64').data).toEqual(f32.data);
    expect(st.float32('f16').data).toEqual(st.float32('f16_as_f32').data);
    expect(st.float32('bf16').data).toEqual(st.float32('bf16_as_f32').data);
    expect(st.entries.get('i64')).toEqual({ dtype: 'I64', shape: [4], offsets: expect.any(Array) });
    expect(() => st.float32('i64')).toThrow(/tensor 'i64': dtype I64 is not a float type/);
    expect(() => st.float32('nope')).toThrow(/tensor 'nope': not in the file/);
  }, 900_000);

  it('round-trips any float32 tensors through encode -> parse (property)', () => {
    const tensor = fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 0, maxLength: 3 }).chain((shape) =>
      fc
        .float32Array({
          minLength: shape.reduce((a, d) => a * d, 1),
          maxLength: shape.reduce((a, d) => a * d, 1),
        })
        .map((data): FloatTensor => ({ shape, data })),
    );
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), tensor, { maxKeys: 5 }),
        (dict) => {
          fc.pre(!('__metadata__' in dict));
          const map = new Map(Object.entries(dict));
          const bytes = encodeSafetensors(map, { note: 'x' });
          const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
          expect((8 + n) % 8).toBe(0);
          const st = SafetensorsFile.parse(bytes, 'p.safetensors');
          expect(st.metadata).toEqual({ note: 'x' });
          expect(st.names()).toEqual([...map.keys()]);
          for (const [k, t] of map) {
            const back = st.float32(k);
            expect(back.shape).toEqual(t.shape);
            expect(Buffer.from(back.data.buffer)).toEqual(Buffer.from(t.data.buffer));
          }
        },
      ),
    );
  });

  it('rejects malformed files with the file, tensor and reason in the message', () => {
    const four = new Uint8Array(16);
    badFile(new Uint8Array(4), /too short/);
    badFile(header('{"a":1}').subarray(0, 10), /header length 7 exceeds/);
    badFile(header('[1]'), /not a JSON object/);
    badFile(header('{"a":'), /not UTF-8 JSON/);
    badFile(
      header('{"w":{"dtype":"F33","shape":[4],"data_offsets":[0,16]}}', four),
      /tensor 'w': unknown dtype "F33"/,
    );
    badFile(
      header('{"w":{"dtype":"F32","shape":[2.5],"data_offsets":[0,16]}}', four),
      /tensor 'w': shape \[2.5\]/,
    );
    badFile(
      header('{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}}', four),
      /tensor 'w': F32 shape \[3\] needs 12 bytes but data_offsets \[0, 16\] hold 16/,
    );
    badFile(
      header('{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}', new Uint8Array(12)),
      /tensor 'w': data_offsets end 16 is past the data region's 12 bytes \(truncated/,
    );
    badFile(
      header(
        '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}}',
        four,
      ),
      /tensor 'b': data starts at byte 12 but the previous tensor ends at 8/,
    );
    badFile(
      header('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', four),
      /cover 8 bytes but the data region holds 16/,
    );
    badFile(
      header('{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}', four),
      /tensor 'w': data_offsets \[8,0\]/,
    );
    badFile(header('{"__metadata__":{"a":1}}'), /__metadata__\.a is not a string/);
  });
});
