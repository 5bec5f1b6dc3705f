import { workerExecArgv } from '@cs-dfd/worker-threads';

// what vitest or `node -e` leave in process.execArgv, and what a worker keeps
const argv = [
  '--conditions',
  '@cs-dfd/source',
  '--max-old-space-size=4096',
  '--input-type=module',
  '-e',
  'code',
];
console.log(workerExecArgv(argv)); // ['--max-old-space-size=4096']
// new Worker(script, { execArgv: workerExecArgv() }) passes the process's own flags the same way
