import { cpus, loadavg, totalmem } from 'node:os';

/** One line naming the machine a benchmark ran on; this machine is shared, so the load is part of the result. */
export function machineLine(backend: string): string {
  const c = cpus();
  return [
    `machine: ${c[0]?.model.trim() ?? 'unknown cpu'} x${c.length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
    `node ${process.version}`,
    `backend ${backend}`,
    `load ${loadavg()
      .map((l) => l.toFixed(1))
      .join('/')}`,
  ].join(' | ');
}

/** Median, min and max of a sample. */
export function summarize(ms: readonly number[]): { median: number; min: number; max: number } {
  const s = [...ms].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]! };
}
