/**
 * Ablation variants (DESIGN §14): a YAML or JSON list of `{name, method, set}`; each becomes a row of the grid
 * named `name` that trains `method` with the trainer overrides `set` (dotted keys, e.g. `optimizer.name: sgd`,
 * `method.options: {c: 1}`, `cgr.weight: 0.5`, `data.faceworld.options.sharedCue: 0.3`).
 */
import { readConfigFile } from '@cs-dfd/training';
import { GridError } from './errors.js';
import { methodOverrides } from './methods.js';
import { GRID_METHODS } from './types.js';

/** One ablation row. */
export interface Variant {
  /** Row name; also its folder name under `cells/`, so letters, digits and `_ . + -` only. */
  name: string;
  /** The grid method it builds on (`uvs+cgr`, `joint`, `uvs`, ...). */
  method: string;
  /** Trainer overrides by dotted key; values are any JSON/YAML value. */
  set: Record<string, unknown>;
}

const NAME = /^[A-Za-z0-9_.+-]+$/;
const KEYS = ['name', 'method', 'set'] as const;
/** Keys the grid itself sets per cell; a variant may not change them. */
const GRID_OWNED = ['seed'];

const show = (v: unknown) => (v === undefined ? 'nothing' : JSON.stringify(v));

/**
 * Validates parsed variants. Every problem is a {@link GridError} (`bad-variants`) whose `key` is the path in the
 * file (`[2].set.optimizer.name`, `[0].method`) and whose message also shows the value found there.
 */
export function parseVariants(raw: unknown, origin = 'variants'): Variant[] {
  const fail = (key: string, message: string): never => {
    throw new GridError('bad-variants', `${origin}: ${key}: ${message}`, key);
  };
  if (!Array.isArray(raw)) fail('(root)', `must be a list of {name, method, set}, got ${show(raw)}`);
  const out: Variant[] = [];
  (raw as unknown[]).forEach((entry, i) => {
    const at = `[${i}]`;
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      fail(at, `must be a mapping {name, method, set}, got ${show(entry)}`);
    }
    const o = entry as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (!(KEYS as readonly string[]).includes(k))
        fail(`${at}.${k}`, `unknown key (known: ${KEYS.join(', ')})`);
    }
    const { name, method } = o;
    if (typeof name !== 'string' || !NAME.test(name) || name === '.' || name === '..') {
      fail(`${at}.name`, `must be letters, digits, _ . + - (it names a folder), got ${show(name)}`);
    }
    const n = name as string;
    if ((GRID_METHODS as readonly string[]).includes(n) || methodOverrides(n) !== null) {
      fail(`${at}.name`, `"${n}" is a method name; a variant needs its own name`);
    }
    if (out.some((v) => v.name === n)) fail(`${at}.name`, `"${n}" is used by an earlier variant`);
    if (typeof method !== 'string' || methodOverrides(method) === null) {
      fail(
        `${at}.method`,
        `must be a grid method (${GRID_METHODS.join(', ')}, or a trainer method with optional +cgr), got ${show(method)}`,
      );
    }
    const set = o.set ?? {};
    if (set === null || typeof set !== 'object' || Array.isArray(set)) {
      fail(`${at}.set`, `must be a mapping of dotted trainer keys to values, got ${show(o.set)}`);
    }
    for (const [k, v] of Object.entries(set as Record<string, unknown>)) {
      const parts = k.split('.');
      if (parts.some((p) => p === '' || p === '__proto__' || p === 'constructor' || p === 'prototype')) {
        fail(`${at}.set.${k}`, 'bad key');
      }
      if (GRID_OWNED.includes(k)) fail(`${at}.set.${k}`, 'the grid sets this per cell (use --seeds)');
      if (v === undefined || v === null) fail(`${at}.set.${k}`, `needs a value, got ${show(v)}`);
    }
    out.push({ name: n, method: method as string, set: { ...(set as Record<string, unknown>) } });
  });
  return out;
}

/** Reads and validates a variants file (`.json`, else YAML). */
export async function loadVariants(file: string): Promise<Variant[]> {
  let raw: unknown;
  try {
    raw = await readConfigFile(file);
  } catch (e) {
    throw new GridError('bad-variants', `variants file ${file}: ${(e as Error).message}`);
  }
  return parseVariants(raw, `variants file ${file}`);
}
