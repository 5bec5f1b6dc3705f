import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULTS, FaceworldOptionsError, parseOptions, SOURCE_CAMERA } from '../src/index.js';

function keyOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof FaceworldOptionsError) return e.key;
    throw e;
  }
  throw new Error('expected a FaceworldOptionsError');
}

describe('parseOptions', () => {
  it('fills the documented defaults, in the conflicting regime', () => {
    const o = parseOptions();
    expect(o.size).toBe(96);
    expect(o.sharedCue).toBe(0.1);
    expect(o.opposingTrace).toBe(0.6);
    expect(o.sourceCamera).toEqual(SOURCE_CAMERA);
    expect(o.identities).toBe(DEFAULTS.identities);
  });

  it('names the offending key, nested keys with a dotted path', () => {
    expect(keyOf(() => parseOptions({ sharedCue: 2 }))).toBe('sharedCue');
    expect(keyOf(() => parseOptions({ opposingTrace: -0.1 }))).toBe('opposingTrace');
    expect(keyOf(() => parseOptions({ frames: 2.5 }))).toBe('frames');
    expect(keyOf(() => parseOptions({ identities: 3 }))).toBe('identities');
    expect(keyOf(() => parseOptions({ sourceCamera: { ...SOURCE_CAMERA, jpegQuality: 0 } }))).toBe(
      'sourceCamera.jpegQuality',
    );
    expect(keyOf(() => parseOptions({ colour: 1 } as never))).toBe('colour');
  });

  it('puts the key and the value in the message', () => {
    expect(() => parseOptions({ sharedCue: 1.5 })).toThrow(/sharedCue.*1\.5/);
  });

  it('accepts exactly the knob values in [0, 1]', () => {
    fc.assert(
      fc.property(fc.double({ min: -2, max: 3, noNaN: true }), (x) => {
        const ok = x >= 0 && x <= 1;
        if (ok) expect(parseOptions({ sharedCue: x, opposingTrace: x }).sharedCue).toBe(x);
        else expect(keyOf(() => parseOptions({ sharedCue: x }))).toBe('sharedCue');
      }),
    );
  });
});
