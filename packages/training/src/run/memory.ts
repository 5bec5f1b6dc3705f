import * as tf from '@tensorflow/tfjs-core';

/** Memory watermarks over a run (the report's `memory`). */
export class MemoryWatch {
  peakRss = 0;
  peakTfBytes = 0;
  peakTensors = 0;
  tensorsAfterStep: number[] = [];
  sample(): void {
    const rss = process.memoryUsage().rss;
    const m = tf.memory();
    this.peakRss = Math.max(this.peakRss, rss);
    this.peakTfBytes = Math.max(this.peakTfBytes, m.numBytes);
    this.peakTensors = Math.max(this.peakTensors, m.numTensors);
  }
}
