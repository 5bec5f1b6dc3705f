import { combine, gramMatrix } from '@cs-dfd/gramian';
import { pcgrad } from '@cs-dfd/pcgrad';

// Two task gradients that conflict (torchjd's published example).
const grads = [Float64Array.of(-4, 1, 1), Float64Array.of(6, 1, 1)];
const method = pcgrad({ seed: 0 }); // reduction 'sum' by default

const G = gramMatrix(grads); // K×K inner products: all PCGrad needs
const w = method.weights(G, grads.length);
const d = combine(grads, w); // d = Σ w_i g_i

console.log(Array.from(w, (x) => x.toFixed(4))); // [ '2.2222', '1.5789' ]
console.log(Array.from(d, (x) => x.toFixed(4))); // [ '0.5848', '3.8012', '3.8012' ]

export { d, w };
