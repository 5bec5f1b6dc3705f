/** Worker-thread entry of {@link SynthesisPool}: answers each request with `serve`, transferring the pixels. */
import { parentPort } from 'node:worker_threads';
import { type SynthesisRequest, serve } from './pool-protocol.js';

if (!parentPort) throw new Error('@cs-dfd/forgery pool-worker: must run in a worker thread');
const port = parentPort;
port.on('message', (req: SynthesisRequest) => {
  const { response, transfer } = serve(req);
  port.postMessage(response, transfer);
});
