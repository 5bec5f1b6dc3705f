/** Listeners that turn run events into the older callback shapes: a {@link Progress} display and {@link TrainHooks}. */
import { diagnosticsSummary } from '../diagnostics.js';
import type { Progress } from '../progress.js';
import type { StepData, StepRecord } from '../step.js';
import type { TrainListener } from './events.js';

/** Test and instrumentation hooks of `train()`. */
export interface TrainHooks {
  /** Sees (and may alter) each step's packed host data before the step, e.g. to inject a NaN. */
  beforeStep?(step: number, data: StepData): void;
  /** Called after each step with its log record (the line is already in log.jsonl). */
  afterStep?(record: StepRecord): void;
  /** Called after a checkpoint is written, with the number of completed steps. */
  afterCheckpoint?(steps: number): void;
}

/** `afterStep` and `afterCheckpoint` as a listener (`beforeStep` alters data, so the loop calls it itself). */
export function hooksListener(hooks: TrainHooks): TrainListener {
  return (e) => {
    if (e.type === 'step') hooks.afterStep?.(e.record);
    else if (e.type === 'checkpoint') hooks.afterCheckpoint?.(e.step);
  };
}

/**
 * Drives a {@link Progress} display: a `faceworld` phase while the dataset is generated, a `train` phase over the
 * steps (status: the per-source losses and the minibatch cosine), and the run's messages as lines.
 */
export function progressListener(progress: Progress): TrainListener {
  let generating = false;
  return (e) => {
    switch (e.type) {
      case 'data-progress':
        if (!generating) {
          generating = true;
          progress.start('faceworld', e.total, 0);
        }
        progress.update(e.done, '');
        return;
      case 'data':
        if (generating) progress.stop();
        generating = false;
        progress.log(`data: ${e.dataset}; ${e.trainFrames} training frames`);
        return;
      case 'run-start':
        progress.start('train', e.totalSteps, e.startStep);
        return;
      case 'step': {
        const r = e.record;
        if (r.skipped) progress.log(`step ${r.step}: skipped (${r.reason})`);
        const cos = r.cosine === undefined ? '' : ` cos ${r.cosine.toFixed(2)}`;
        progress.update(
          e.done,
          `loss ${Object.values(r.losses)
            .map((l) => l.toFixed(3))
            .join('/')}${cos}`,
        );
        return;
      }
      case 'diagnostics':
        progress.log(diagnosticsSummary(e.record));
        return;
      case 'loop-end':
        progress.stop();
        return;
      case 'message':
        progress.log(e.text);
        return;
      default:
        return;
    }
  };
}
