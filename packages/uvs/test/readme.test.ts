import { describeReadmeExample } from '@cs-dfd/test-utils';
import { expect } from 'vitest';

describeReadmeExample(
  {
    readme: new URL('../README.md', import.meta.url),
    example: new URL('../examples/readme.ts', import.meta.url),
    load: () => import('../examples/readme.js'),
  },
  ({ exports }) => {
    const { weights, info } = exports as { weights: Float64Array; info: Record<string, number> };
    // By hand: g0 = (1, 1, 1, 0), ||g0|| = √3, ||g1||² = 18.25; F'(1) = b1 - b2 + c||g0|| <g1, g1 - g2> / ||g1||
    // = -10 + (√3/2)(40.5/√18.25) < 0, so w* = e1 and λ = (1/2 + (√3/2)/√18.25, 1/2), divided by 1 + c.
    const l1 = 0.5 + Math.sqrt(3) / 2 / Math.sqrt(18.25);
    expect(Math.abs(weights[0]! - l1 / 1.5)).toBeLessThan(1e-12);
    expect(Math.abs(weights[1]! - 0.5 / 1.5)).toBeLessThan(1e-12);
    expect(Math.abs(info.primal! - info.dual!)).toBeLessThan(1e-9);
  },
);
