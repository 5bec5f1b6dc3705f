// Golden streams from an independent implementation of sfc32 and splitmix32 (written from Chris Doty-Humphrey's
// sfc32 description and the splitmix32 finaliser, outside this package), and exact behaviours of the helpers.
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/index.js';

describe('golden values', () => {
  it('sfc32 from the state [1, 2, 3, 4]: outputs and the state after them', () => {
    const r = new Rng([1, 2, 3, 4]);
    expect([1, 2, 3, 4, 5].map(() => r.nextUint32())).toEqual([7, 34, 56623200, 188882296, 3431242869]);
    expect(r.state()).toEqual([3301093142, 1393270099, 4227304151, 9]);
  });

  it('seeding: splitmix32 of the seed, then 12 discarded outputs', () => {
    const r = new Rng(0);
    expect(r.state()).toEqual([99621017, 2830175463, 1368817051, 1275600331]);
    expect([r.nextUint32(), r.nextUint32(), r.nextUint32()]).toEqual([4205396811, 3543653536, 1222415357]);
    expect(new Rng(42).state()).toEqual([525187462, 1481333944, 1177879824, 3317318729]);
    expect(new Rng().state()).toEqual(new Rng(0).state());
    // fractional seeds are floored
    expect(new Rng(42.9).state()).toEqual(new Rng(42).state());
    // the high word enters: 2^32 + 42 is not 42
    expect(new Rng(2 ** 32 + 42).state()).not.toEqual(new Rng(42).state());
  });

  it('next and uniform scale nextUint32 by 2^-32', () => {
    const a = new Rng([1, 2, 3, 4]);
    expect(a.next()).toBe(7 / 2 ** 32);
    expect(a.uniform(2, 6)).toBe(2 + 4 * (34 / 2 ** 32));
    expect(a.uniform()).toBe(56623200 / 2 ** 32);
  });
});

describe('helpers', () => {
  it('int: lo + x mod range, inclusive bounds, rejection above the limit', () => {
    const r = new Rng([1, 2, 3, 4]);
    // 7 % 10 = 7, 34 % 10 = 4
    expect(r.int(0, 9)).toBe(7);
    expect(r.int(5, 14)).toBe(9);
    expect(new Rng([1, 2, 3, 4]).int(3, 3)).toBe(3);
    // a range above 2^32 takes the float path: lo + floor(next · range)
    expect(new Rng([1, 2, 3, 4]).int(0, 2 ** 40)).toBe(Math.floor((7 / 2 ** 32) * (2 ** 40 + 1)));
    // range 3: limit = 2^32 - 1; 3431242869 % 3 and so on, all in [0, 2]
    const seen = new Set<number>();
    const s = new Rng(1);
    for (let i = 0; i < 300; i++) seen.add(s.int(-1, 1));
    expect([...seen].sort()).toEqual([-1, 0, 1]);
    expect(() => r.int(2, 1)).toThrow('Rng.int: need integers lo <= hi, got 2, 1');
    expect(() => r.int(0.5, 1)).toThrow(RangeError);
    expect(() => r.int(0, 1.5)).toThrow(RangeError);
  });

  it('bernoulli(p) is next() < p', () => {
    const a = new Rng(3);
    const b = new Rng(3);
    for (let i = 0; i < 50; i++) expect(a.bernoulli(0.3)).toBe(b.next() < 0.3);
    expect(new Rng(3).bernoulli(0)).toBe(false);
    expect(new Rng(3).bernoulli(1)).toBe(true);
    const c = new Rng(3);
    const d = new Rng(3);
    for (let i = 0; i < 20; i++) expect(c.bernoulli()).toBe(d.next() < 0.5);
  });

  it('choice picks items[int(0, n - 1)]; an empty array throws', () => {
    const a = new Rng(5);
    const b = new Rng(5);
    for (let i = 0; i < 20; i++) expect(a.choice(['x', 'y', 'z'])).toBe(['x', 'y', 'z'][b.int(0, 2)]);
    expect(() => a.choice([])).toThrow('Rng.choice: empty array');
  });

  it('shuffle is Fisher–Yates from the top: swap i with int(0, i)', () => {
    const a = new Rng(9);
    const b = new Rng(9);
    const items = [0, 1, 2, 3, 4, 5];
    const expected = items.slice();
    for (let i = expected.length - 1; i > 0; i--) {
      const j = b.int(0, i);
      [expected[i], expected[j]] = [expected[j]!, expected[i]!];
    }
    const out = a.shuffle(items);
    expect(out).toBe(items);
    expect(out).toEqual(expected);
    expect(new Rng(9).permutation(6)).toEqual(expected);
    expect(new Rng(9).permutation(0)).toEqual([]);
  });

  it('normal: the Marsaglia polar pair, the second value from the spare; setState drops the spare', () => {
    const a = new Rng(11);
    const b = new Rng(11);
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * b.next() - 1;
      v = 2 * b.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    expect(a.normal()).toBe(u * f);
    expect(a.normal(1, 2)).toBe(1 + 2 * v * f);
    const c = new Rng(11);
    c.normal();
    const state = c.state();
    c.setState(state);
    // no spare after setState: the next normal draws fresh numbers, like a fresh generator at that state
    expect(c.normal()).toBe(new Rng(state).normal());
  });

  it('fork: the child state is four draws of the parent, the last made odd', () => {
    const a = new Rng([1, 2, 3, 4]);
    const child = a.fork();
    expect(child.state()).toEqual([7, 34, 56623200, 188882296 | 1]);
    const b = new Rng([1, 2, 3, 4]);
    for (let i = 0; i < 4; i++) b.nextUint32();
    expect(a.state()).toEqual(b.state());
  });

  it('rejects bad seeds and states with messages naming them', () => {
    expect(() => new Rng(Number.NaN)).toThrow('Rng: seed must be a finite number, got NaN');
    expect(() => new Rng([1, 2, 3] as never)).toThrow('Rng: a state is four uint32 values, got [1, 2, 3]');
    expect(() => new Rng([1, 2, 3, -1])).toThrow(RangeError);
    expect(() => new Rng([1, 2, 3, 2 ** 32])).toThrow(RangeError);
    expect(() => new Rng([1, 2, 3, 0.5])).toThrow(RangeError);
    expect(new Rng([0, 0, 0, 2 ** 32 - 1]).state()).toEqual([0, 0, 0, 2 ** 32 - 1]);
  });
});
