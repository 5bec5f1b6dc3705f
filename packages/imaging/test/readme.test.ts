import { describeReadmeExample } from '@cs-dfd/test-utils';

describeReadmeExample({
  readme: new URL('../README.md', import.meta.url),
  example: new URL('../examples/readme.ts', import.meta.url),
  load: () => import('../examples/readme.js'),
});
