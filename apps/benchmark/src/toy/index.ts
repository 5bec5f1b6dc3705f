import { writeFileAtomic, writePlot } from '@cs-dfd/plots';
import { methodsByName } from '../methods.js';
import { fmt, markdownTable } from '../table.js';
import { toyPlotSpec } from './plot.js';
import { STARTS } from './problem.js';
import { runToy, type ToyRun, type ToyRunOptions } from './run.js';

export { HostAdam } from './adam.js';
export { toyPlotSpec } from './plot.js';
export { PARETO_X2, STARTS, toy } from './problem.js';
export { runToy, type ToyRun, type ToyRunOptions } from './run.js';

/** Options of the whole toy protocol. */
export interface ToyProtocolOptions extends ToyRunOptions {
  methods: readonly string[];
  json?: string;
  /** Base path of the trajectory plot; writes `<base>.png` and `<base>.svg`. */
  plot?: string;
  onRun?: (run: ToyRun) => void;
}

/** Runs every method from the six standard starts; writes the JSON and the plot when asked; returns the table. */
export async function toyProtocol(options: ToyProtocolOptions): Promise<{ runs: ToyRun[]; table: string }> {
  const runs: ToyRun[] = [];
  for (const entry of methodsByName(options.methods)) {
    for (const start of STARTS) {
      const run = runToy(entry.make(), start, { ...options, label: entry.name });
      runs.push(run);
      options.onRun?.(run);
    }
  }
  const table = markdownTable(
    ['method', 'start', 'end x1', 'end x2', 'L1', 'L2'],
    runs.map((r) => [
      r.method,
      `(${r.start.join(', ')})`,
      fmt(r.end[0]),
      fmt(r.end[1]),
      fmt(r.losses[0]),
      fmt(r.losses[1]),
    ]),
  );
  if (options.json !== undefined) {
    const out = { runs: runs.map(({ method, start, end, losses }) => ({ method, start, end, losses })) };
    await writeFileAtomic(options.json, `${JSON.stringify(out, null, 2)}\n`);
  }
  if (options.plot !== undefined)
    await writePlot(toyPlotSpec(runs), options.plot.replace(/\.(png|svg)$/i, ''));
  return { runs, table };
}
