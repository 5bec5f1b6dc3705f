/**
 * What a training run tells its observers (DESIGN §13). `train()` emits one typed event per thing that happened;
 * the log.jsonl writer, the command line's progress display and the test hooks are all listeners, and so can be a
 * throughput profiler, a grid worker that reports a cell's progress, or a run-folder lock.
 *
 * Listeners run in registration order and are awaited one by one before the run goes on, so a listener sees the
 * run exactly where the event says it is (the log line of step `n` is on disk before step `n`'s `step` event
 * reaches a later listener), and a listener that throws stops the run with its error (a lock taken on
 * `run-start` refuses a second run that way). Events are observations: a listener must not change the objects it
 * is given.
 */
import type { BackendChoice } from '@cs-dfd/backend';
import type { TrainConfig } from '../config.js';
import type { DiagnosticsRecord } from '../diagnostics.js';
import type { SplitMetrics } from '../evaluation.js';
import type { Report } from '../report/report.js';
import type { StepRecord } from '../step.js';

/** The backend is up; nothing is read yet. */
export interface SetupEvent {
  type: 'setup';
  out: string;
  backend: BackendChoice;
}

/** Progress of generating the faceworld dataset on first use (absent when the cached copy is reused). */
export interface DataProgressEvent {
  type: 'data-progress';
  done: number;
  total: number;
}

/** The datasets are read (and faceworld generated or reused). */
export interface DataEvent {
  type: 'data';
  /** What was read (faceworld with its cache folder, or the index files). */
  dataset: string;
  trainFrames: number;
  /** Seconds spent generating faceworld (0 when the cached copy was reused). */
  generationSeconds: number;
}

/** Data read, model built or restored: the step loop starts at `startStep`. */
export interface RunStartEvent {
  type: 'run-start';
  out: string;
  /** The resolved config with `train.steps` fixed (what `config.json` holds). */
  config: TrainConfig;
  /** The report's method label, e.g. `uvs+cgr`. */
  method: string;
  backend: BackendChoice;
  /** What the data is, and how many training frames. */
  dataset: string;
  trainFrames: number;
  totalSteps: number;
  /** Completed steps before this process's first step (0 unless resumed). */
  startStep: number;
  /** The checkpoint folder a resumed run continued from. */
  resumedFrom?: string;
}

/** Wall times of one step, for a throughput profile. */
export interface StepTiming {
  /** Waiting for the loader's batch (prefetch and SBI not hidden behind the previous step). */
  dataMs: number;
  /** Packing the batch, the step and the optimizer update (the time summed into the report's `seconds`). */
  computeMs: number;
  /** The packing part of `computeMs` (batch to host arrays per source). */
  packMs: number;
  /**
   * Time the listeners spent on every event since the previous `step` event (that step's log line, progress,
   * evaluation and checkpoint events); 0 for the first step of a process.
   */
  listenersMs: number;
}

/** One step ran (applied or skipped). */
export interface StepEvent {
  type: 'step';
  /** Completed steps after this one. */
  done: number;
  totalSteps: number;
  /** What log.jsonl keeps of the step (`record.step` = `done - 1`). */
  record: StepRecord;
  timing: StepTiming;
  /** Skipped steps over the whole run (resumes included) and in a row up to this one. */
  skippedSteps: number;
  consecutiveSkips: number;
}

/** A periodic validation (model selection). */
export interface EvalEvent {
  type: 'eval';
  split: 'val';
  /** Completed steps. */
  step: number;
  metrics: SplitMetrics;
  /** Whether this validation is the best so far (its weights were saved to `best/`). */
  best: boolean;
  /** Wall time on the loop's path: scoring, metrics and saving `best/` (`ms`), of which the save (`saveMs`). */
  timing: { ms: number; saveMs: number };
}

/** A large-batch gradient-conflict diagnostics pass (DESIGN §3.2). */
export interface DiagnosticsEvent {
  type: 'diagnostics';
  record: DiagnosticsRecord;
}

/** A checkpoint was written: the run can resume from `step`. */
export interface CheckpointEvent {
  type: 'checkpoint';
  /** Completed steps saved. */
  step: number;
  folder: string;
  /**
   * Wall time on the loop's path (`ms`), and its parts: encoding weights, optimizer and state (`serialiseMs`),
   * writing the files and renaming the folder into place (`writeMs`), the manifest's SHA-256s (`hashMs`).
   */
  timing: CheckpointTiming;
}

/** The parts of a checkpoint's wall time (see {@link CheckpointEvent}). */
export interface CheckpointTiming {
  ms: number;
  serialiseMs: number;
  writeMs: number;
  hashMs: number;
}

/** The step loop is over (every step ran); the final evaluation follows. */
export interface LoopEndEvent {
  type: 'loop-end';
  totalSteps: number;
  skippedSteps: number;
}

/** One split of the final evaluation of the validation-selected weights. */
export interface FinalEvalEvent {
  type: 'final-eval';
  split: string;
  metrics: SplitMetrics;
  /** Decoding the split (0 for val, decoded before the loop) and scoring it, in milliseconds. */
  timing: { decodeMs: number; scoreMs: number };
}

/** The report is written; `train()` returns it next. */
export interface RunEndEvent {
  type: 'run-end';
  out: string;
  report: Report;
}

/**
 * The run failed (a bad checkpoint, a listener that threw, too many non-finite steps, ...); `train()` rejects
 * with `error` right after. Release what a `setup` listener took (a run-folder lock) here. The state on disk is
 * the last checkpoint's, from which `resume` continues.
 */
export interface RunErrorEvent {
  type: 'run-error';
  out: string;
  error: unknown;
}

/** A line for people (backend chosen, data read, resumed, step skipped, diagnostics summary). */
export interface TrainMessageEvent {
  type: 'message';
  text: string;
}

/** Every event of a run, by `type`. */
export type TrainEvent =
  | SetupEvent
  | DataProgressEvent
  | DataEvent
  | RunStartEvent
  | StepEvent
  | EvalEvent
  | DiagnosticsEvent
  | CheckpointEvent
  | LoopEndEvent
  | FinalEvalEvent
  | RunEndEvent
  | RunErrorEvent
  | TrainMessageEvent;

/** The `type` names of {@link TrainEvent}. */
export type TrainEventType = TrainEvent['type'];

/** Receives a run's events; may be async (the run waits for it). */
export type TrainListener = (event: TrainEvent) => void | Promise<void>;

/**
 * A listener for some event types only, typed by them: `on('step', (e) => e.record.losses)`.
 * Pass the result in `train({ onEvent: [...] })`.
 */
export function on<T extends TrainEventType>(
  type: T,
  listener: (event: Extract<TrainEvent, { type: T }>) => void | Promise<void>,
): TrainListener {
  return (event) => (event.type === type ? listener(event as Extract<TrainEvent, { type: T }>) : undefined);
}

/** Calls listeners in order, awaiting each, and keeps the time they took for the next step event. */
export class TrainEmitter {
  private readonly listeners: TrainListener[];
  private listenerMs = 0;

  constructor(listeners: readonly TrainListener[] = []) {
    this.listeners = [...listeners];
  }

  /** Delivers `event` to every listener in registration order. */
  async emit(event: TrainEvent): Promise<void> {
    const t0 = performance.now();
    try {
      for (const l of this.listeners) await l(event);
    } finally {
      this.listenerMs += performance.now() - t0;
    }
  }

  /** Delivers `event` to every listener even when some throw (their errors are dropped): the `run-error` path. */
  async emitToAll(event: TrainEvent): Promise<void> {
    for (const l of this.listeners) {
      try {
        await l(event);
      } catch {}
    }
  }

  /** Listener time since the last call (the `listenersMs` of a step event). */
  takeListenerMs(): number {
    const ms = this.listenerMs;
    this.listenerMs = 0;
    return ms;
  }
}
