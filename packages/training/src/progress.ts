/**
 * Progress output: a cli-progress bar with rate and ETA on a terminal, plain periodic lines otherwise (CI logs,
 * pipes), nothing when quiet.
 */
import cliProgress from 'cli-progress';

/** A progress sink for one phase (generation, training). */
export interface Progress {
  start(label: string, total: number, done: number): void;
  update(done: number, status: string): void;
  stop(): void;
  /** A line that must not be interleaved with the bar. */
  log(line: string): void;
}

/** No output at all. */
export const silentProgress: Progress = { start() {}, update() {}, stop() {}, log() {} };

function fmtSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${s.toFixed(0)}s`;
}

/** Plain lines every `everySeconds` (and at the end): done/total, rate and ETA. */
export function lineProgress(
  write: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
  everySeconds = 10,
): Progress {
  let label = '';
  let total = 0;
  let first = 0;
  let t0 = 0;
  let last = 0;
  let current = 0;
  let status = '';
  const line = () => {
    const elapsed = (performance.now() - t0) / 1000;
    const rate = (current - first) / Math.max(elapsed, 1e-9);
    const eta = rate > 0 ? (total - current) / rate : Number.NaN;
    write(`${label} ${current}/${total} ${rate.toFixed(2)}/s eta ${fmtSeconds(eta)} ${status}`.trimEnd());
  };
  return {
    start(l, t, done) {
      label = l;
      total = t;
      first = current = done;
      t0 = last = performance.now();
    },
    update(done, s) {
      current = done;
      status = s;
      if (performance.now() - last >= everySeconds * 1000) {
        last = performance.now();
        line();
      }
    },
    stop() {
      line();
    },
    log: write,
  };
}

/** A terminal bar (cli-progress) with rate and ETA. */
export function barProgress(): Progress {
  let bar: cliProgress.SingleBar | undefined;
  let t0 = 0;
  let first = 0;
  return {
    start(label, total, done) {
      t0 = performance.now();
      first = done;
      bar = new cliProgress.SingleBar(
        {
          format: `${label} [{bar}] {value}/{total} {rate}/s eta {eta_formatted} {status}`,
          hideCursor: true,
          etaBuffer: 50,
          stream: process.stderr,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, done, { rate: '0.00', status: '' });
    },
    update(done, status) {
      const rate = (done - first) / Math.max((performance.now() - t0) / 1000, 1e-9);
      bar?.update(done, { rate: rate.toFixed(2), status });
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
    log(line) {
      if (bar) process.stderr.write(`\r\x1b[K${line}\n`);
      else process.stderr.write(`${line}\n`);
    },
  };
}

/** The bar on a terminal, plain lines otherwise. */
export function defaultProgress(): Progress {
  return process.stderr.isTTY ? barProgress() : lineProgress();
}
