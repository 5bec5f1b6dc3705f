import { gradDrop } from '@cs-dfd/graddrop';

// Two task gradients: coordinates 0 and 3 conflict in sign, 1 and 2 agree.
const grads = [Float64Array.of(3, 1, -2, 1), Float64Array.of(-1, 2, -1, -3)];
const drop = gradDrop({ seed: 7 });

const d = drop.aggregate(grads);
// Agreeing coordinates are summed; each conflicting one keeps its positive part with
// probability P = ½(1 + Σg/Σ|g|) (0.75 for coordinate 0, 0.25 for coordinate 3), else its negative part.
console.log(Array.from(d)); // [ 3, 3, -3, -3 ]
drop.reset(); // replay the same draws
console.log(Array.from(drop.aggregate(grads))); // [ 3, 3, -3, -3 ]
