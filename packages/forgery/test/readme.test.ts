// The README's two examples run as written (the pool one on the compiled worker, rebuilt when stale).
import { describeReadmeExample } from '@cs-dfd/test-utils';
import { beforeAll } from 'vitest';
import { buildDistIfStale } from './build-dist.js';

describeReadmeExample({
  readme: new URL('../README.md', import.meta.url),
  example: new URL('../examples/readme.ts', import.meta.url),
  load: () => import('../examples/readme.js'),
});

beforeAll(buildDistIfStale, 60_000);

describeReadmeExample({
  readme: new URL('../README.md', import.meta.url),
  example: new URL('../examples/pool.ts', import.meta.url),
  load: () => import('../examples/pool.js'),
  heading: 'Worker pool',
});
