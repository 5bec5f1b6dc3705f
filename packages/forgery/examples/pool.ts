import { SynthesisPool, selfBlend, syntheticFace } from '@cs-dfd/forgery';
import { Rng } from '@cs-dfd/rng';

const pool = new SynthesisPool({ size: 2, options: {} }); // default size: availableParallelism() − 1
const face = syntheticFace(1);
const { fake, mask, params } = await pool.run({ ...face, seed: 42, id: 'video7/frame3' });
// fake and mask equal selfBlend(face.image, face.landmarks, new Rng(42)) byte for byte
const here = selfBlend(face.image, face.landmarks, new Rng(42));
console.log(Buffer.from(fake.data).equals(Buffer.from(here.fake.data))); // true
console.log(Buffer.from(mask.data.buffer).equals(Buffer.from(here.mask.data.buffer))); // true
console.log(params.ratio === here.params.ratio); // true
await pool.close(); // terminates the workers and waits for their exit events
