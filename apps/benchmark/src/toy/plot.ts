import type { TopLevelSpec } from '@cs-dfd/plots';
import { PARETO_X2, toy } from './problem.js';
import type { ToyRun } from './run.js';

/** Grid of the average loss (L1 + L2) / 2 over [-10, 10]², the background of the trajectory plot. */
function lossGrid(n: number): Array<{ x1: number; x2: number; loss: number }> {
  const cells: Array<{ x1: number; x2: number; loss: number }> = [];
  const step = 20 / n;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const x1 = -10 + (i + 0.5) * step;
      const x2 = -10 + (j + 0.5) * step;
      const { losses } = toy(x1, x2);
      cells.push({ x1, x2, loss: (losses[0] + losses[1]) / 2 });
    }
  }
  return cells;
}

/**
 * Small multiples, one panel per method: the average-loss landscape, the Pareto front (dashed), and each start's
 * trajectory (circle = start, cross = end).
 */
export function toyPlotSpec(runs: readonly ToyRun[], gridCells = 40): TopLevelSpec {
  const methods = [...new Set(runs.map((r) => r.method))];
  const grid = lossGrid(gridCells);
  const half = 10 / gridCells;
  const scale = { domain: [-10, 10], nice: false };
  const panel = (method: string) => {
    const mine = runs.filter((r) => r.method === method);
    const path = mine.flatMap((r, k) =>
      r.trajectory.map((p, order) => ({ run: `start ${k + 1}`, order, x1: p[0], x2: p[1] })),
    );
    const ends = mine.flatMap((r, k) => [
      { run: `start ${k + 1}`, kind: 'start', x1: r.start[0], x2: r.start[1] },
      { run: `start ${k + 1}`, kind: 'end', x1: r.end[0], x2: r.end[1] },
    ]);
    return {
      title: method,
      width: 220,
      height: 220,
      layer: [
        {
          data: {
            values: grid.map((c) => ({
              ...c,
              x1a: c.x1 - half,
              x1b: c.x1 + half,
              x2a: c.x2 - half,
              x2b: c.x2 + half,
            })),
          },
          mark: { type: 'rect' as const },
          encoding: {
            x: { field: 'x1a', type: 'quantitative' as const, scale, title: 'x1' },
            x2: { field: 'x1b' },
            y: { field: 'x2a', type: 'quantitative' as const, scale, title: 'x2' },
            y2: { field: 'x2b' },
            color: {
              field: 'loss',
              type: 'quantitative' as const,
              scale: { scheme: 'greys', domain: [-20, 10], clamp: true },
              legend: null,
            },
          },
        },
        {
          data: {
            values: [
              { x1: -7, x2: PARETO_X2 },
              { x1: 7, x2: PARETO_X2 },
            ],
          },
          mark: { type: 'line' as const, strokeDash: [4, 3], color: '#d62728' },
          encoding: {
            x: { field: 'x1', type: 'quantitative' as const },
            y: { field: 'x2', type: 'quantitative' as const },
          },
        },
        {
          data: { values: path },
          mark: { type: 'line' as const, strokeWidth: 2 },
          encoding: {
            x: { field: 'x1', type: 'quantitative' as const },
            y: { field: 'x2', type: 'quantitative' as const },
            order: { field: 'order', type: 'quantitative' as const },
            color: { field: 'run', type: 'nominal' as const, legend: null, scale: { scheme: 'category10' } },
          },
        },
        {
          data: { values: ends },
          mark: { type: 'point' as const, filled: true, size: 50 },
          encoding: {
            x: { field: 'x1', type: 'quantitative' as const },
            y: { field: 'x2', type: 'quantitative' as const },
            shape: {
              field: 'kind',
              type: 'nominal' as const,
              scale: { domain: ['start', 'end'], range: ['circle', 'cross'] },
              legend: null,
            },
            color: { field: 'run', type: 'nominal' as const, legend: null, scale: { scheme: 'category10' } },
          },
        },
      ],
    };
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: "CAGrad toy: Adam (lr 1e-3) on each method's update; dashed: Pareto front",
    columns: 4,
    concat: methods.map(panel),
    resolve: { scale: { color: 'independent' } },
  } as TopLevelSpec;
}
