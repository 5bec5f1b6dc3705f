/**
 * Skip accounting (DESIGN §9: nothing silent). Under `data.onBadSample=skip` every sample dropped — by the index
 * reader, the training loader or the decoding of an evaluation split — is counted per split and per reason, and the
 * counts reach the console, report.json, report.md and log.jsonl.
 */
import type { DataErrorCode, SkippedSample } from '@cs-dfd/data';

/** Files listed per split in the report (the counts cover all of them). */
export const LISTED_SKIPS = 20;

/** One split's skips. */
export interface SplitSkips {
  /** Samples skipped (each bad file once). */
  count: number;
  byReason: Partial<Record<DataErrorCode, number>>;
  /** The first {@link LISTED_SKIPS} skipped files with their reasons. */
  files: SkippedSample[];
}

/** Skips by split name (`train`, `val`, `test`, `cross:<name>`); splits without skips are left out. */
export type SkipReport = Record<string, SplitSkips>;

/** The skips of one split, each file counted once (a loader meets a bad file again after a resume). */
export function splitSkips(samples: readonly SkippedSample[]): SplitSkips {
  const unique = [...new Map(samples.map((s) => [`${s.file}\u0000${s.code}`, s])).values()];
  const byReason: Partial<Record<DataErrorCode, number>> = {};
  for (const s of unique) byReason[s.code] = (byReason[s.code] ?? 0) + 1;
  return { count: unique.length, byReason, files: unique.slice(0, LISTED_SKIPS) };
}

/** `split: N (reason n, ...)` per split with skips; empty when nothing was skipped. */
export function skipLines(report: SkipReport): string[] {
  return Object.entries(report).map(
    ([split, s]) =>
      `${split}: ${s.count} skipped (${Object.entries(s.byReason)
        .map(([code, n]) => `${code} ${n}`)
        .join(', ')})`,
  );
}
