/**
 * Training diagnostics of one cell from the trainer's `log.jsonl`: the median step time and the fraction of steps
 * whose two source gradients conflict (minibatch cos(g_original, g_synthesized) < 0).
 */
import { GridError } from './errors.js';

/** What {@link stepStats} derives from a log. */
export interface StepStats {
  /** Median `ms` of the applied steps after the first (warm-up); see {@link stepStats} for the fallbacks. */
  step_ms: number;
  /** Fraction of applied steps with a negative cosine; null when no step logged a cosine (one source). */
  conflict_fraction: number | null;
  /** Step records in the log (applied and skipped). */
  steps: number;
}

interface StepLine {
  type: 'step';
  step: number;
  skipped: boolean;
  ms: number;
  cosine?: number;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Reads the step records of a trainer log (`{"type":"step", step, skipped, ms, cosine?}` lines; other record types
 * are ignored).
 *
 * Step time: the median over applied (not skipped) steps except step 0, whose time includes kernel compilation
 * and Adam's slot creation. A skipped step does no update, so its time is not a step time. With a single applied
 * step that one is used, and with none at all every step record is; a log with no step record is an error.
 *
 * Conflict fraction: applied steps with a finite `cosine` < 0 over applied steps with a finite `cosine`.
 *
 * @param origin names the log in errors (its path).
 */
export function stepStats(text: string, origin = 'log.jsonl'): StepStats {
  const steps: StepLine[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let r: unknown;
    try {
      r = JSON.parse(line);
    } catch (e) {
      throw new GridError('bad-log', `${origin}:${i + 1}: not JSON: ${(e as Error).message}`);
    }
    const o = r as Partial<StepLine> | null;
    if (o === null || typeof o !== 'object' || o.type !== 'step') continue;
    if (typeof o.ms !== 'number' || !Number.isFinite(o.ms) || typeof o.step !== 'number') {
      throw new GridError(
        'bad-log',
        `${origin}:${i + 1}: a step record needs a numeric step and a finite ms, got ${line.slice(0, 120)}`,
      );
    }
    steps.push({ type: 'step', step: o.step, skipped: o.skipped === true, ms: o.ms, cosine: o.cosine });
  }
  if (steps.length === 0) throw new GridError('bad-log', `${origin}: no step record`);
  const applied = steps.filter((s) => !s.skipped);
  const warm = applied.filter((s) => s.step !== 0);
  const timed = warm.length > 0 ? warm : applied.length > 0 ? applied : steps;
  const cosines = applied.map((s) => s.cosine).filter((c): c is number => Number.isFinite(c));
  return {
    step_ms: median(timed.map((s) => s.ms)),
    conflict_fraction: cosines.length === 0 ? null : cosines.filter((c) => c < 0).length / cosines.length,
    steps: steps.length,
  };
}
