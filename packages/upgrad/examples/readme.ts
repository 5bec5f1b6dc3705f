import assert from 'node:assert/strict';
import { gramOfRows } from '@cs-dfd/gramian';
import { dualProj, upgrad } from '@cs-dfd/upgrad';

const G = gramOfRows([
  [-4, 1, 1],
  [6, 1, 1],
]);
// exact projection (default): w = [1/2 + 11/18, 1/2 + 11/38]
const { weights, info } = upgrad().solve(G, 2);
console.log(Array.from(weights, (v) => v.toFixed(4))); // ['1.1111', '0.7895']
assert.ok(Math.abs((weights[0] ?? 0) - (0.5 + 11 / 18)) < 1e-12);
assert.ok((info.minDecrease ?? -1) > 0);
// torchjd's regularisation reproduces its published numbers
const t = upgrad({ normEps: 1e-4, regEps: 1e-4 }).weights(G, 2);
console.log(Array.from(t, (v) => v.toFixed(4))); // ['1.1109', '0.7894']
// DualProj projects the mean gradient once: w = [11/18, 1/2]
const p = dualProj().weights(G, 2);
console.log(Array.from(p, (v) => v.toFixed(4))); // ['0.6111', '0.5000']
assert.ok(Math.abs((p[0] ?? 0) - 11 / 18) < 1e-12);
