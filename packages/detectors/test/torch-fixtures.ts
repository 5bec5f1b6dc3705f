/**
 * PyTorch reference fixtures (test/fixtures/torch_reference.py), made once per script version with Debian's
 * python3-torch / python3-torchvision and cached under node_modules/.cache by the script's hash.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import type { SafetensorsFile } from '../src/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const SCRIPT = path.join(here, 'fixtures', 'torch_reference.py');
/** Debian's python, where python3-torch installs (a pyenv/venv python on PATH may lack torch). */
export const PYTHON = '/usr/bin/python3';

function requireTorch(): void {
  try {
    execFileSync(PYTHON, ['-c', 'import torch, torchvision'], { stdio: 'pipe' });
  } catch (e) {
    throw new Error(
      `the PyTorch parity tests need ${PYTHON} with torch and torchvision: apt-get install python3-torch python3-torchvision (${(e as Error).message.split('\n')[0]})`,
    );
  }
}

let made: string | undefined;

/** The fixture folder, made if its script version is not cached yet (minutes on a busy 2-core machine). */
export function torchFixtures(): string {
  if (made !== undefined) return made;
  requireTorch();
  const hash = createHash('sha256').update(readFileSync(SCRIPT)).digest('hex').slice(0, 16);
  const dir = path.join(here, '..', 'node_modules', '.cache', 'torch-parity', hash);
  if (!existsSync(path.join(dir, 'dtypes.safetensors'))) {
    const tmp = `${dir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    execFileSync(PYTHON, [SCRIPT, 'make', tmp], { stdio: 'pipe' });
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  }
  made = dir;
  return dir;
}

/** One PyTorch run: reference `name` with a detector head loaded from `weights`, applied to `input`'s tensor. */
export interface TorchJob {
  name: string;
  weights: string;
  input: string;
  out: string;
  activation: string;
}

/** Runs the jobs in one python process (importing torch dominates), each writing features and logits to `out`. */
export function torchRun(jobs: readonly TorchJob[]): void {
  requireTorch();
  const args = jobs.flatMap((j) => [j.name, j.weights, j.input, j.out, j.activation]);
  execFileSync(PYTHON, [SCRIPT, 'run', ...args], { stdio: 'pipe' });
}

/** max |a − b| / max |b|. */
export function relativeError(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs((a[i] as number) - (b[i] as number)));
    scale = Math.max(scale, Math.abs(b[i] as number));
  }
  return diff / scale;
}

/** The fixture's NCHW input as our NHWC batch. */
export function nhwcInput(io: SafetensorsFile): tf.Tensor4D {
  const x = io.float32('input');
  return tf.tidy(() =>
    tf.transpose(tf.tensor4d(x.data, x.shape as [number, number, number, number]), [0, 2, 3, 1]),
  );
}
