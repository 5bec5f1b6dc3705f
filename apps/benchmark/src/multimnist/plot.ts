import type { TopLevelSpec } from '@cs-dfd/plots';
import type { MultiMnistSummary } from './summary.js';

/** Grouped bars: per method the test accuracy of the left and the right head (mean over seeds, ± std whiskers). */
export function multiMnistPlotSpec(summary: readonly MultiMnistSummary[], caption: string): TopLevelSpec {
  const values = summary.flatMap((s) =>
    (['left', 'right'] as const).map((digit) => ({
      method: s.method,
      digit,
      acc: 100 * s[digit].mean,
      lo: 100 * (s[digit].mean - s[digit].std),
      hi: 100 * (s[digit].mean + s[digit].std),
    })),
  );
  const lows = values.map((v) => v.lo);
  const highs = values.map((v) => v.hi);
  // Accuracies of all methods sit within a few points of each other; a zero-based axis would hide the differences.
  const domain = [Math.floor(Math.min(...lows) - 1), Math.min(100, Math.ceil(Math.max(...highs) + 1))];
  const x = { field: 'method', type: 'nominal' as const, sort: summary.map((s) => s.method), title: null };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'MultiMNIST: test accuracy per digit', subtitle: caption },
    data: { values },
    width: { step: 48 },
    height: 260,
    encoding: { x, xOffset: { field: 'digit', type: 'nominal' as const } },
    layer: [
      {
        mark: { type: 'bar' as const, clip: true },
        encoding: {
          y: {
            field: 'acc',
            type: 'quantitative' as const,
            title: 'test accuracy (%)',
            scale: { domain, zero: false },
          },
          color: { field: 'digit', type: 'nominal' as const, title: 'head' },
        },
      },
      {
        mark: { type: 'rule' as const, color: 'black' },
        encoding: { y: { field: 'lo', type: 'quantitative' as const }, y2: { field: 'hi' } },
      },
    ],
  } as TopLevelSpec;
}
