import { gradVac } from '@cs-dfd/gradvac';
import { combine, gramMatrix } from '@cs-dfd/gramian';

// Two task gradients that conflict (torchjd's published example).
const grads = [Float64Array.of(-4, 1, 1), Float64Array.of(6, 1, 1)];
const method = gradVac({ seed: 0 }); // beta 0.01, reduction 'sum'

const G = gramMatrix(grads);
const w = method.weights(G, grads.length); // fresh targets (0): exactly PCGrad
console.log(Array.from(w, (x) => x.toFixed(4))); // [ '2.2222', '1.5789' ]
console.log(Array.from(combine(grads, w), (x) => x.toFixed(4))); // [ '0.5848', '3.8012', '3.8012' ]

// The targets now moved 1% of the way to the observed cosine -0.8412.
console.log(method.targets()?.[1]?.toFixed(6)); // '-0.008412'
method.reset(); // a new run: back to PCGrad
