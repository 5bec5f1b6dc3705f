import assert from 'node:assert/strict';
import { combine, gramMatrix } from '@cs-dfd/gramian';
import { nashMtl } from '@cs-dfd/nash-mtl';

// torchjd's test Jacobian: two conflicting task gradients
const grads = [Float64Array.of(-4, 1, 1), Float64Array.of(6, 1, 1)];
const G = gramMatrix(grads); // [[18, -22], [-22, 38]]
const { weights, info } = nashMtl().solve(G, 2);
console.log(Array.from(weights, (v) => v.toFixed(4))); // ['0.5915', '0.4071']
// the equilibrium: α_i (Gα)_i = 1 for both tasks
const [a0 = 0, a1 = 0] = weights;
assert.ok(Math.abs(a0 * (18 * a0 - 22 * a1) - 1) < 1e-12);
assert.ok(Math.abs(a1 * (-22 * a0 + 38 * a1) - 1) < 1e-12);
assert.equal(info.converged, 1);
// with torchjd's max_norm = 1 the update is torchjd's published d
const d = combine(grads, nashMtl({ maxNorm: 1 }).weights(G, 2));
console.log(Array.from(d, (v) => v.toFixed(4))); // ['0.0542', '0.7061', '0.7061']
