/**
 * Where a run's wall time goes (issue #14's profile), collected from the run's own events: a listener that sums
 * the step timings and the durations the periodic and final phases carry, and times the phases between events.
 * `report.json` keeps the result as `timing`, `report.md` as a table, so every run is its own profile.
 */
import type { TrainEvent, TrainListener } from './events.js';

/** Count and summed milliseconds of one kind of periodic work. */
export interface TimedCount {
  count: number;
  ms: number;
}

/** A run's wall-time breakdown (milliseconds; this process's part of a resumed run). */
export interface RunTiming {
  /** `setup` to `data`: backend checks, reading the data, generating faceworld on first use. */
  dataMs: number;
  /** `data` to `run-start`: the model built or restored, the validation split decoded. */
  startMs: number;
  /** `run-start` to `loop-end`: the step loop with everything it runs on schedule. */
  loopMs: number;
  steps: number;
  /** Per-step parts, summed: waiting for the loader, packing, pack + step + update (`computeMs` ⊇ `packMs`), listeners. */
  step: { dataMs: number; packMs: number; computeMs: number; listenersMs: number };
  /** Validations: scoring + metrics (`ms`), of which saving `best/` (`saveMs`). */
  validation: TimedCount & { saveMs: number };
  /** Checkpoints: total on the loop's critical path (`ms`), split into encoding, writing, hashing. */
  checkpoint: TimedCount & { serialiseMs: number; writeMs: number; hashMs: number };
  /** Large-batch diagnostics passes. */
  diagnostics: TimedCount;
  /** The loop's wall time not in any of the above (event dispatch outside steps, scheduling, GC). */
  loopOtherMs: number;
  /** `loop-end` to the last `final-eval`: test splits decoded and every split scored, scores written. */
  finalEvalMs: number;
  /** Grad-CAM overlays (the report and plots are written after this is taken, so they are not in it). */
  gradcamMs: number;
}

/** Sums a run's events into a {@link RunTiming}; `listener` goes in the run's emitter. */
export class TimingCollector {
  private readonly t = {
    setup: Number.NaN,
    data: Number.NaN,
    start: Number.NaN,
    loopEnd: Number.NaN,
    lastFinal: Number.NaN,
  };
  private steps = 0;
  private readonly step = { dataMs: 0, packMs: 0, computeMs: 0, listenersMs: 0 };
  private readonly validation = { count: 0, ms: 0, saveMs: 0 };
  private readonly checkpoint = { count: 0, ms: 0, serialiseMs: 0, writeMs: 0, hashMs: 0 };
  private readonly diagnostics = { count: 0, ms: 0 };

  readonly listener: TrainListener = (e: TrainEvent) => {
    const now = performance.now();
    switch (e.type) {
      case 'setup':
        this.t.setup = now;
        return;
      case 'data':
        this.t.data = now;
        return;
      case 'run-start':
        this.t.start = now;
        return;
      case 'step':
        this.steps++;
        this.step.dataMs += e.timing.dataMs;
        this.step.packMs += e.timing.packMs;
        this.step.computeMs += e.timing.computeMs;
        this.step.listenersMs += e.timing.listenersMs;
        return;
      case 'eval':
        this.validation.count++;
        this.validation.ms += e.timing.ms;
        this.validation.saveMs += e.timing.saveMs;
        return;
      case 'checkpoint':
        this.checkpoint.count++;
        this.checkpoint.ms += e.timing.ms;
        this.checkpoint.serialiseMs += e.timing.serialiseMs;
        this.checkpoint.writeMs += e.timing.writeMs;
        this.checkpoint.hashMs += e.timing.hashMs;
        return;
      case 'diagnostics':
        this.diagnostics.count++;
        this.diagnostics.ms += e.record.ms;
        return;
      case 'loop-end':
        this.t.loopEnd = now;
        return;
      case 'final-eval':
        this.t.lastFinal = now;
        return;
      default:
        return;
    }
  };

  /** The breakdown so far; `gradcamMs` comes from the caller (it runs outside any event). */
  summary(gradcamMs: number): RunTiming {
    const { t } = this;
    const loopMs = t.loopEnd - t.start;
    const s = this.step;
    return {
      dataMs: t.data - t.setup,
      startMs: t.start - t.data,
      loopMs,
      steps: this.steps,
      step: { ...s },
      validation: { ...this.validation },
      checkpoint: { ...this.checkpoint },
      diagnostics: { ...this.diagnostics },
      loopOtherMs:
        loopMs -
        s.dataMs -
        s.computeMs -
        s.listenersMs -
        this.validation.ms -
        this.checkpoint.ms -
        this.diagnostics.ms,
      finalEvalMs: t.lastFinal - t.loopEnd,
      gradcamMs,
    };
  }
}
