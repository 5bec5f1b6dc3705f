/**
 * Grid method names -> trainer config overrides: a row is a method label of `@cs-dfd/training` (`joint`, `uvs`,
 * `uvs+cgr`, ...; `parseMethodLabel`), which sets `method.name` and `cgr.enabled`. Variants (ablation rows) add
 * their own overrides on top of their base method.
 */
import { methodLabelOverrides, methodNames, parseMethodLabel } from '@cs-dfd/training';
import { GridError } from './errors.js';
import { GRID_METHODS } from './types.js';
import type { Variant } from './variants.js';

/** One row of the grid: its name, the grid method it builds on, and its `key=value` trainer overrides. */
export interface GridMethodSpec {
  name: string;
  /** The grid method the row is (itself for a plain method, the variant's `method` for a variant). */
  base: string;
  /** `key=value` overrides in `applyOverrides` syntax, applied after the grid's shared `--set` pairs. */
  sets: string[];
}

const pair = (key: string, value: unknown) => `${key}=${JSON.stringify(value)}`;

/**
 * The overrides of a plain grid method, or null when the name is not one: any trainer method name (CGR off), or
 * `<name>+cgr` for a two-source trainer method (CGR on).
 */
export function methodOverrides(method: string): string[] | null {
  return parseMethodLabel(method) === null ? null : methodLabelOverrides(method);
}

/** The names `--methods` accepts, for error messages. */
export function knownMethodsText(variants: readonly Variant[]): string {
  const v = variants.length > 0 ? `; variants: ${variants.map((x) => x.name).join(', ')}` : '';
  const extra = methodNames().filter((m) => !(GRID_METHODS as readonly string[]).includes(m));
  return `grid methods: ${GRID_METHODS.join(', ')}${v}; also any trainer method (${extra.join(', ')}) and <method>+cgr for a two-source one`;
}

/**
 * Resolves `--methods` names into rows. A variant name wins over nothing (variant names may not shadow a method,
 * see `parseVariants`). Unknown or repeated names are a {@link GridError} listing what is known.
 */
export function resolveMethods(
  names: readonly string[],
  variants: readonly Variant[] = [],
): GridMethodSpec[] {
  if (names.length === 0) throw new GridError('bad-option', '--methods: no method given', 'methods');
  const seen = new Set<string>();
  return names.map((name) => {
    if (seen.has(name)) throw new GridError('bad-option', `--methods: "${name}" is listed twice`, 'methods');
    seen.add(name);
    const variant = variants.find((v) => v.name === name);
    if (variant !== undefined) {
      const base = methodOverrides(variant.method)!;
      const own = Object.entries(variant.set).map(([k, v]) => pair(k, v));
      return { name, base: variant.method, sets: [...base, ...own] };
    }
    const sets = methodOverrides(name);
    if (sets === null) {
      throw new GridError(
        'unknown-method',
        `unknown method "${name}"; ${knownMethodsText(variants)}`,
        'methods',
      );
    }
    return { name, base: name, sets };
  });
}
