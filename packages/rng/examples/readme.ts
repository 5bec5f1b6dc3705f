import { Rng } from '@cs-dfd/rng';

const rng = new Rng(42);
const order = rng.permutation(4); // e.g. PCGrad's task order
console.log([...order].sort()); // [0, 1, 2, 3]
const saved = rng.state(); // four uint32s: put them in a checkpoint
const resumed = new Rng(saved); // continues the same stream
console.log([rng.normal(), rng.uniform()].join() === [resumed.normal(), resumed.uniform()].join()); // true
console.log(new Rng(42).permutation(4).join() === order.join()); // true
