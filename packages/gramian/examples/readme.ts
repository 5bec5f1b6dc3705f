import { combine, gramDiagnostics, gramMatrix, mean } from '@cs-dfd/gramian';
import { minNormOnSimplex, nnls } from '@cs-dfd/gramian/linalg';

// Two task gradients that conflict (torchjd's published example).
const grads = [Float64Array.of(-4, 1, 1), Float64Array.of(6, 1, 1)];
const G = gramMatrix(grads); // K×K, row-major, float64
console.log(Array.from(G)); // [18, -22, -22, 38]

const w = mean().weights(G, 2);
console.log(Array.from(combine(grads, w))); // [1, 1, 1]
const { cosines, conflicts } = gramDiagnostics(G, 2, w);
console.log(cosines[1]!.toFixed(4), conflicts); // "-0.8412" [[0, 1]]

// MGDA's min-norm point of the hull, from G alone (torchjd's golden value w = [0.6, 0.4]).
console.log(Array.from(minNormOnSimplex(G, 2), (v) => v.toFixed(4))); // ["0.6000", "0.4000"]

// Non-negative least squares (scipy.optimize.nnls's documented example): x = [1.5, 1].
const x = nnls(Float64Array.of(1, 0, 1, 0, 0, 1), Float64Array.of(2, 1, 1), 3, 2);
console.log(Array.from(x, (v) => v.toFixed(12))); // ["1.500000000000", "1.000000000000"]
