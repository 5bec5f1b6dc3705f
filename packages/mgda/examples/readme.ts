import assert from 'node:assert/strict';
import { gramOfRows } from '@cs-dfd/gramian';
import { mgda } from '@cs-dfd/mgda';

// torchjd's test Jacobian: two conflicting task gradients (rows)
const J = [
  [-4, 1, 1],
  [6, 1, 1],
];
const G = gramOfRows(J);
const { weights, info } = mgda().solve(G, 2);
// d = 0.6 g1 + 0.4 g2 = [0, 1, 1], the min-norm point of the segment between them
console.log(Array.from(weights, (v) => v.toFixed(12))); // ['0.600000000000', '0.400000000000']
assert.ok((info.kktResidual ?? 1) < 1e-12);
