import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writePlot } from '@cs-dfd/plots';

const dir = mkdtempSync(join(tmpdir(), 'plots-')); // any folder; out/ in an application
export const paths = await writePlot(
  {
    data: {
      values: [
        { step: 0, cos: -0.2 },
        { step: 1, cos: 0.1 },
        { step: 2, cos: 0.3 },
      ],
    },
    mark: 'line',
    encoding: { x: { field: 'step', type: 'quantitative' }, y: { field: 'cos', type: 'quantitative' } },
  },
  join(dir, 'cosine'), // writes cosine.svg and cosine.png there
);
console.log([paths.svg.endsWith('cosine.svg'), paths.png.endsWith('cosine.png')]); // [true, true]
console.log(readFileSync(paths.png).subarray(1, 4).toString()); // 'PNG'
