import { selfBlend, syntheticFace } from '@cs-dfd/forgery';
import { encodePng } from '@cs-dfd/forgery/io';
import { Rng } from '@cs-dfd/rng';

const { image, landmarks } = syntheticFace(1); // or your RGB buffer + 68 dlib landmarks
const { fake, mask, target, params } = selfBlend(image, landmarks, new Rng(42));
// fake = r·m·source + (1 − r·m)·target, with r = params.ratio, m = mask (Float32Array in [0, 1])
console.log([fake.width, fake.height, mask.data.length]); // [256, 256, 65536]
// where the mask is 0 the fake is the target, byte for byte
let outside = true;
for (let p = 0; p < mask.data.length; p++)
  if (mask.data[p] === 0)
    for (let c = 0; c < 3; c++) outside &&= fake.data[3 * p + c] === target.data[3 * p + c];
console.log(outside); // true
console.log([0.25, 0.5, 0.75, 1].includes(params.ratio)); // true
const png = await encodePng(fake); // PNG bytes
console.log(new TextDecoder().decode(png.subarray(1, 4))); // 'PNG'
