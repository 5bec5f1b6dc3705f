/** At most `max` evenly spaced items of `xs`, always keeping the first and the last (plots need no more). */
export function thin<T>(xs: readonly T[], max: number): T[] {
  if (xs.length <= max) return xs.slice();
  if (max < 2) return xs.slice(0, max);
  const step = (xs.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => xs[Math.round(i * step)]!);
}
