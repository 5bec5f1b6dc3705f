/**
 * Where each parameter and each gradient lives in the flat float32 buffers shared with the workers. Parameters:
 * the shared variables, then every task's own variables, task by task. A task's gradient: its shared part, then
 * its own part. Shapes (not names) identify variables: tfjs names differ between realms.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { WorkerPoolError } from './errors.js';
import type { Replica } from './replica.js';

/** One variable's place inside its group, in floats. */
export interface Segment {
  readonly shape: readonly number[];
  readonly offset: number;
  readonly size: number;
}

/** A run of variables stored back to back. */
export interface Group {
  readonly segments: readonly Segment[];
  readonly size: number;
}

/** The buffers' layout for one replica; structured-clonable, so it travels to the workers as is. */
export interface ReplicaLayout {
  readonly taskNames: readonly string[];
  readonly shared: Group;
  readonly tasks: readonly Group[];
  /** Start of each task's own parameters in the parameter buffer. */
  readonly taskBase: readonly number[];
  /** The replica's non-trainable state, stored after every task's parameters (and alone in each state buffer). */
  readonly state: Group;
  /** Start of the state in the parameter buffer. */
  readonly stateBase: number;
  /** Floats in the parameter buffer. */
  readonly parameters: number;
}

function group(variables: readonly tf.Variable[], where: string): Group {
  let offset = 0;
  const segments = variables.map((v, i) => {
    if (v.dtype !== 'float32') {
      throw new WorkerPoolError(
        'replica-mismatch',
        `${where} variable ${i} ("${v.name}") is ${v.dtype}; only float32 variables can be shared with workers`,
      );
    }
    const s = { shape: [...v.shape], offset, size: v.size };
    offset += v.size;
    return s;
  });
  return { segments, size: offset };
}

/** The layout of a replica's variables. Throws `replica-mismatch` for a non-float32 variable. */
export function replicaLayout(replica: Replica): ReplicaLayout {
  const shared = group(replica.shared, 'shared');
  const tasks = replica.tasks.map((t, k) => group(t.variables ?? [], `task ${k} ("${t.name}")`));
  const taskBase: number[] = [];
  let end = shared.size;
  for (const t of tasks) {
    taskBase.push(end);
    end += t.size;
  }
  const state = group(replica.state ?? [], 'state');
  return {
    taskNames: replica.tasks.map((t) => t.name),
    shared,
    tasks,
    taskBase,
    state,
    stateBase: end,
    parameters: end + state.size,
  };
}

function groupMismatch(a: Group, b: Group, where: string): string | undefined {
  if (a.segments.length !== b.segments.length) {
    return `${where}: ${b.segments.length} variables where the main thread has ${a.segments.length}`;
  }
  for (let i = 0; i < a.segments.length; i++) {
    const [x, y] = [a.segments[i]!.shape, b.segments[i]!.shape];
    if (x.length !== y.length || x.some((d, j) => d !== y[j])) {
      return `${where} variable ${i}: shape [${y}] where the main thread has [${x}]`;
    }
  }
  return undefined;
}

/** Describes the first difference between the main thread's layout and a worker's, or `undefined`. */
export function layoutMismatch(main: ReplicaLayout, other: ReplicaLayout): string | undefined {
  if (main.tasks.length !== other.tasks.length) {
    return `${other.tasks.length} tasks where the main thread has ${main.tasks.length}`;
  }
  const names = main.taskNames.findIndex((n, k) => n !== other.taskNames[k]);
  if (names >= 0)
    return `task ${names} is "${other.taskNames[names]}" where the main thread has "${main.taskNames[names]}"`;
  return (
    groupMismatch(main.shared, other.shared, 'shared') ??
    groupMismatch(main.state, other.state, 'state') ??
    main.tasks.reduce<string | undefined>(
      (found, t, k) => found ?? groupMismatch(t, other.tasks[k]!, `task ${k} ("${main.taskNames[k]}")`),
      undefined,
    )
  );
}

/** Copies every variable's current value into `target` (the main thread, before a step). */
export function storeParameters(replica: Replica, layout: ReplicaLayout, target: Float32Array): void {
  const put = (vars: readonly tf.Variable[], g: Group, base: number) =>
    vars.forEach((v, i) => {
      target.set(v.dataSync() as Float32Array, base + g.segments[i]!.offset);
    });
  put(replica.shared, layout.shared, 0);
  replica.tasks.forEach((t, k) => put(t.variables ?? [], layout.tasks[k]!, layout.taskBase[k]!));
  put(replica.state ?? [], layout.state, layout.stateBase);
}

/** The flat values of one variable, as a view into `buffer` (no copy). */
export function segmentView(buffer: Float32Array, base: number, s: Segment): Float32Array {
  return buffer.subarray(base + s.offset, base + s.offset + s.size);
}
