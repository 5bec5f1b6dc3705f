import { mean } from '@cs-dfd/gramian';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HostAdam, methodsByName, PARETO_X2, runToy, toy } from '../src/index.js';

describe('toy problem', () => {
  it('gradients equal central finite differences of the losses (away from the kinks)', () => {
    const coord = fc.double({ min: -10, max: 10, noNaN: true });
    fc.assert(
      fc.property(coord, coord, (x1, x2) => {
        fc.pre(Math.abs(x2) > 1e-3);
        const { grads } = toy(x1, x2);
        const h = 1e-6;
        for (const [k, dx] of [
          [0, [h, 0]],
          [1, [0, h]],
        ] as const) {
          const plus = toy(x1 + dx[0], x2 + dx[1]).losses;
          const minus = toy(x1 - dx[0], x2 - dx[1]).losses;
          for (const t of [0, 1] as const) {
            const fd = (plus[t] - minus[t]) / (2 * h);
            fc.pre(Number.isFinite(fd) && Math.abs(fd) < 1e4);
            expect(Math.abs(grads[t][k]! - fd)).toBeLessThan(1e-5 * (1 + Math.abs(fd)));
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('matches hand-computed values of the published formula at (1, -2)', () => {
    const x1 = 1;
    const x2 = -2;
    const c2 = Math.tanh(1); // tanh(-x2 / 2)
    const q = 0.1 * (2 - 8) ** 2;
    const L1 = (((-1 + 7) ** 2 + q) / 10 - 20) * c2;
    const L2 = (((-1 - 7) ** 2 + q) / 10 - 20) * c2;
    const { losses } = toy(x1, x2);
    expect(losses[0]).toBeCloseTo(L1, 12);
    expect(losses[1]).toBeCloseTo(L2, 12);
  });
});

describe('HostAdam', () => {
  it('takes a first step of exactly lr against the gradient sign (bias correction)', () => {
    const x = Float64Array.of(1, -1, 0);
    new HostAdam(3, 0.01).step(x, [2, -3, 0]);
    expect(x[0]).toBeCloseTo(0.99, 6);
    expect(x[1]).toBeCloseTo(-0.99, 6);
    expect(x[2]).toBe(0);
  });
});

describe('toy protocol with the mean gradient (plain joint training)', () => {
  it('stalls from (-8.5, 7.5) and (9, 9) and reaches the front from (-8.5, -5)', () => {
    for (const start of [
      [-8.5, 7.5],
      [9, 9],
    ] as const) {
      const r = runToy(mean(), start);
      expect(r.end[1]).toBeGreaterThan(0); // never leaves the flat upper region
    }
    const r = runToy(mean(), [-8.5, -5]);
    expect(r.end[1]).toBeCloseTo(PARETO_X2, 2);
    expect(Math.abs(r.end[0])).toBeLessThan(0.05);
  });
});

describe('toy protocol: where the methods end (DESIGN §5)', () => {
  const cagradStarts = [
    [-8.5, 7.5],
    [-8.5, -5],
    [9, 9],
  ] as const;
  const ends = (name: string) => {
    const entry = methodsByName([name])[0]!;
    return cagradStarts.map((s) => runToy(entry.make(), s).end);
  };

  it('MGDA and PCGrad end on the Pareto front, spread along it', () => {
    for (const name of ['mgda', 'pcgrad']) {
      const e = ends(name);
      for (const [x1, x2] of e) {
        expect(Math.abs(x2 - PARETO_X2)).toBeLessThan(0.1);
        expect(Math.abs(x1)).toBeLessThanOrEqual(7.05);
      }
      // different starts reach different Pareto points (not all the same compromise)
      expect(Math.max(...e.map((p) => p[0])) - Math.min(...e.map((p) => p[0]))).toBeGreaterThan(3);
    }
  });

  it('UVS and CAGrad with c = 0.5 end at the minimiser of the average loss from every start', () => {
    for (const name of ['uvs', 'cagrad']) {
      for (const [x1, x2] of ends(name)) {
        expect(Math.abs(x1)).toBeLessThan(0.05);
        expect(Math.abs(x2 - PARETO_X2)).toBeLessThan(0.02);
      }
    }
  });
});
