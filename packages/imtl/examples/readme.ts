import { combine, gramMatrix } from '@cs-dfd/gramian';
import { imtlG } from '@cs-dfd/imtl';

// Two task gradients that conflict (torchjd's published example).
const grads = [Float64Array.of(-4, 1, 1), Float64Array.of(6, 1, 1)];
const method = imtlG();

const G = gramMatrix(grads); // K×K inner products: all IMTL-G needs
const { weights: w, info } = method.solve(G, grads.length); // info.projection = d·g_i/‖g_i‖, equal for all i
const d = combine(grads, w); // d = Σ w_i g_i

console.log(Array.from(w, (x) => x.toFixed(4))); // [ '0.5923', '0.4077' ]
console.log(Array.from(d, (x) => x.toFixed(4))); // [ '0.0767', '1.0000', '1.0000' ]
console.log(info.projection?.toFixed(4)); // '0.3991'

export { d, w };
