/**
 * One colour per method across every plot of the report, including plots that show only some methods (the
 * cosine plot has no one-source methods): an explicit domain -> range mapping, so absent methods neither shift the
 * colours nor appear in a legend.
 */

/** Vega's `tableau10` scheme (the ten default grid methods get ten distinct colours). */
const TABLEAU10 = [
  '#4c78a8',
  '#f58518',
  '#e45756',
  '#72b7b2',
  '#54a24b',
  '#eeca3b',
  '#b279a2',
  '#ff9da6',
  '#9d755d',
  '#bab0ac',
];

/** Vega's `tableau20` scheme, for grids of more than ten methods. */
const TABLEAU20 = [
  '#4c78a8',
  '#9ecae9',
  '#f58518',
  '#ffbf79',
  '#54a24b',
  '#88d27a',
  '#b79a20',
  '#f2cf5b',
  '#439894',
  '#83bcb6',
  '#e45756',
  '#ff9d98',
  '#79706e',
  '#bab0ac',
  '#d67195',
  '#fcbfd2',
  '#b279a2',
  '#d6a5c9',
  '#9e765f',
  '#d8b5a5',
];

/**
 * A colour scale for `shown` methods, coloured by their position in `all` (the grid's method order). Beyond 20
 * methods colours repeat.
 */
export function methodColorScale(
  all: readonly string[],
  shown: readonly string[],
): { domain: string[]; range: string[] } {
  const palette = all.length <= TABLEAU10.length ? TABLEAU10 : TABLEAU20;
  const domain = all.filter((m) => shown.includes(m));
  return { domain, range: domain.map((m) => palette[all.indexOf(m) % palette.length]!) };
}
