/** Worker thread: renders and writes the clips the main thread posts, one message per frame and per clip. */
import { parentPort, workerData } from 'node:worker_threads';
import { writeVideo } from './encode.js';
import type { FaceworldOptions } from './options.js';
import type { VideoJob } from './plan.js';
import { Faceworld } from './world.js';

const { options, out } = workerData as { options: FaceworldOptions; out: string };
const world = new Faceworld(options);
const port = parentPort!;

port.on('message', (job: VideoJob) => {
  void writeVideo(world, job, out, () => port.postMessage({ kind: 'frame' })).then(
    (frames) => port.postMessage({ kind: 'video', videoId: job.videoId, frames }),
    (err: unknown) => {
      throw err;
    },
  );
});
