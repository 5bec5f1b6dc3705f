import { GramianError, type JsonValue, type MethodState } from '@cs-dfd/gramian';
import { Rng, type RngState } from '@cs-dfd/rng';

/**
 * Where GradDrop's uniform draws come from: one draw per gradient coordinate, consumed in coordinate order. Share or
 * inject a source to make two runs (or the host and tensor paths) see the same draws.
 */
export interface UniformSource {
  /** The next n draws, each strictly inside (0, 1). */
  next(n: number): Float64Array;
  /** Restarts the stream (called by the aggregator's `reset()`). */
  reset?(): void;
  /** The stream's position as plain JSON (makes the aggregator's `exportState` available). */
  exportState?(): MethodState;
  /**
   * Continues from an {@link UniformSource.exportState}; throws a `GramianError` with code `invalid-state` naming
   * the field, without changing the source, when the state is malformed.
   */
  importState?(state: MethodState): void;
}

/** The state of {@link seededUniforms}: the generator's position. */
export interface SeededUniformsState extends MethodState {
  /** `@cs-dfd/rng` state: four uint32. */
  rng: [number, number, number, number];
}

const RESOLUTION = 2 ** 23;

/**
 * Seeded draws from `@cs-dfd/rng`: u = (k + 1/2) / 2²³ with k uniform in [0, 2²³). Every value is exactly
 * representable in float32 (so the tensor path compares against the same numbers as the host path) and lies strictly
 * inside (0, 1), so a coordinate where all tasks agree in sign (P = 0 or 1) is never dropped.
 */
export function seededUniforms(seed = 0): UniformSource & {
  reset(): void;
  exportState(): SeededUniformsState;
  importState(state: MethodState): void;
} {
  let rng = new Rng(seed);
  return {
    next(n: number): Float64Array {
      const u = new Float64Array(n);
      for (let p = 0; p < n; p++) u[p] = ((rng.nextUint32() >>> 9) + 0.5) / RESOLUTION;
      return u;
    },
    reset() {
      rng = new Rng(seed);
    },
    exportState: () => ({ rng: [...rng.state()] as [number, number, number, number] }),
    importState(state) {
      rng = new Rng(parseRngState(state, 'seededUniforms.importState'));
    },
  };
}

/** A typed `invalid-state` error: `<where>: <field> <message>, got <value>`. */
function invalidState(where: string, field: string, message: string, value: unknown): GramianError {
  return new GramianError(
    'invalid-state',
    `${where}: ${field} ${message}, got ${JSON.stringify(value) ?? String(value)}`,
  );
}

/** Validates `{ rng: [four uint32] }` (and nothing else) before anything is changed. */
function parseRngState(state: unknown, where: string): RngState {
  if (state === null || typeof state !== 'object' || Array.isArray(state)) {
    throw invalidState(where, 'state', 'must be an object { rng }', state);
  }
  const { rng, ...rest } = state as Record<string, JsonValue | undefined>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined)
    throw invalidState(where, extra, 'is not a field of the state { rng }', rest[extra]);
  if (
    !Array.isArray(rng) ||
    rng.length !== 4 ||
    !rng.every((v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) < 2 ** 32)
  ) {
    throw invalidState(where, 'rng', 'must be four uint32 values', rng);
  }
  return [rng[0], rng[1], rng[2], rng[3]] as unknown as RngState;
}
