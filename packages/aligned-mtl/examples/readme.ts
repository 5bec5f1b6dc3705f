import { alignedMtl } from '@cs-dfd/aligned-mtl';
import { combine, gramMatrix } from '@cs-dfd/gramian';

// Two task gradients that conflict (torchjd's published example).
const grads = [Float64Array.of(-4, 1, 1), Float64Array.of(6, 1, 1)];
const method = alignedMtl(); // scale 'min', preference 1/K

const G = gramMatrix(grads); // K×K inner products: all Aligned-MTL needs
const { weights: w, info } = method.solve(G, grads.length);
const d = combine(grads, w); // d = Σ w_i g_i

console.log(Array.from(w, (x) => x.toFixed(4))); // [ '0.5591', '0.4083' ]
console.log(Array.from(d, (x) => x.toFixed(4))); // [ '0.2133', '0.9673', '0.9673' ]
console.log(`rank ${info.rank}, σ² = ${info.scale?.toFixed(4)}`); // 'rank 2, σ² = 3.8339'

export { d, w };
