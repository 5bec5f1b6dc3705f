import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BackendError } from '../src/errors.js';
import { initBackend, type ModuleLoader, withoutEmscriptenErrorHandlers } from '../src/select.js';
import { setupBackends } from './helpers.js';

beforeAll(setupBackends);

afterEach(async () => {
  if (tf.findBackendFactory('tensorflow') != null) tf.removeBackend('tensorflow');
  await tf.setBackend('cpu');
});

/** Stands in for tfjs-node(-gpu): registers backend 'tensorflow' with the flags tfjs-node's backend exposes. */
function fakeNative(flags: { isGPUPackage: boolean; isUsingGpuDevice: boolean }): ModuleLoader {
  return async () => {
    tf.registerBackend('tensorflow', () => Object.assign(new MathBackendCPU(), flags));
    return {};
  };
}

function notFound(name: string): Error {
  return Object.assign(new Error(`Cannot find module '${name}'`), { code: 'ERR_MODULE_NOT_FOUND' });
}

/** A loader per module name; missing names behave as not installed. */
function loaders(map: Record<string, ModuleLoader>): ModuleLoader {
  return async (name) => {
    const load = map[name];
    if (load == null) throw notFound(name);
    return load(name);
  };
}

describe('initBackend', () => {
  it('here (no tfjs-node installed) chooses wasm with SIMD and says why the native ones were skipped', async () => {
    const choice = await initBackend({ env: {} });
    expect(choice.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(choice.simd).toBe(true);
    expect(choice.threads).toBeGreaterThanOrEqual(1);
    expect(choice.tried.map((t) => [t.name, t.ok])).toEqual([
      ['node-gpu', false],
      ['node', false],
      ['wasm', true],
    ]);
    expect(choice.tried[0]!.reason).toMatch(/@tensorflow\/tfjs-node-gpu is not installed/);
    expect(choice.reason).toMatch(/skipped: node-gpu: .*not installed; node: .*not installed/);
  });

  it('prefers tfjs-node-gpu and reports the GPU in use', async () => {
    const choice = await initBackend({
      env: {},
      loadModule: loaders({
        '@tensorflow/tfjs-node-gpu': fakeNative({ isGPUPackage: true, isUsingGpuDevice: true }),
        '@tensorflow/tfjs-node': async () => {
          throw new Error('must not be loaded once the GPU package works');
        },
      }),
    });
    expect(choice).toMatchObject({ name: 'node-gpu', tfBackend: 'tensorflow', gpu: true, forced: false });
    expect(tf.getBackend()).toBe('tensorflow');
    expect(choice.tried).toHaveLength(1);
  });

  it('reports tfjs-node-gpu without a GPU device (libtensorflow falls back to the CPU)', async () => {
    const choice = await initBackend({
      env: {},
      loadModule: loaders({
        '@tensorflow/tfjs-node-gpu': fakeNative({ isGPUPackage: true, isUsingGpuDevice: false }),
      }),
    });
    expect(choice).toMatchObject({ name: 'node-gpu', gpu: false });
    expect(choice.reason).toMatch(/no usable GPU/);
  });

  it('falls through a broken native addon to tfjs-node without crashing', async () => {
    const choice = await initBackend({
      env: {},
      loadModule: loaders({
        '@tensorflow/tfjs-node-gpu': async () => {
          throw new Error('libcudart.so.11.0: cannot open shared object file: No such file or directory');
        },
        '@tensorflow/tfjs-node': fakeNative({ isGPUPackage: false, isUsingGpuDevice: false }),
      }),
    });
    expect(choice).toMatchObject({ name: 'node', gpu: false });
    expect(choice.tried[0]!.reason).toMatch(/failed to load \(broken native addon\?\): libcudart\.so\.11\.0/);
  });

  it('skips a native module that registers no backend on this tfjs-core, or whose backend fails to start', async () => {
    const choice = await initBackend({
      env: {},
      loadModule: loaders({
        '@tensorflow/tfjs-node-gpu': async () => ({}),
        '@tensorflow/tfjs-node': async () => {
          tf.registerBackend('tensorflow', () => {
            throw new Error('TF_NewSession failed');
          });
          return {};
        },
      }),
    });
    expect(choice.name).toBe('wasm');
    expect(choice.tried[0]!.reason).toMatch(/registered no 'tensorflow' backend/);
    expect(choice.tried[1]!.reason).toMatch(/failed to start/);
  });

  it('honours CS_DFD_BACKEND, and the option over the variable', async () => {
    const viaEnv = await initBackend({ env: { CS_DFD_BACKEND: 'cpu' } });
    expect(viaEnv).toMatchObject({ name: 'cpu', forced: true });
    expect(viaEnv.tried).toHaveLength(1);
    expect(tf.getBackend()).toBe('cpu');
    const viaOption = await initBackend({ env: { CS_DFD_BACKEND: 'cpu' }, backend: 'wasm' });
    expect(viaOption).toMatchObject({ name: 'wasm', forced: true });
    const auto = await initBackend({ env: { CS_DFD_BACKEND: 'auto' }, order: ['cpu'] });
    expect(auto).toMatchObject({ name: 'cpu', forced: false });
  });

  it('rejects an unknown forced name and a forced backend that cannot start, with typed errors', async () => {
    const unknown = await initBackend({ env: { CS_DFD_BACKEND: 'cuda' } }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(BackendError);
    expect(unknown).toMatchObject({ code: 'unknown-backend' });
    expect(String(unknown)).toMatch(/CS_DFD_BACKEND='cuda'/);
    const missing = await initBackend({ env: {}, backend: 'node', loadModule: loaders({}) }).catch(
      (e: unknown) => e,
    );
    expect(missing).toMatchObject({ code: 'backend-unavailable' });
    expect(String(missing)).toMatch(
      /forced backend 'node' is unavailable: node: @tensorflow\/tfjs-node is not installed/,
    );
    const badOrder = await initBackend({ env: {}, order: ['gpu' as never] }).catch((e: unknown) => e);
    expect(badOrder).toMatchObject({ code: 'unknown-backend' });
  });
});

describe('withoutEmscriptenErrorHandlers', () => {
  it('removes the process error listeners added while starting, keeps the ones that were there', async () => {
    const mine = () => {};
    process.on('unhandledRejection', mine);
    const added = () => {};
    const addedToo = () => {};
    try {
      const value = await withoutEmscriptenErrorHandlers(async () => {
        process.on('unhandledRejection', added);
        process.on('uncaughtException', addedToo);
        return 42;
      });
      expect(value).toBe(42);
      expect(process.listeners('unhandledRejection')).toContain(mine);
      expect(process.listeners('unhandledRejection')).not.toContain(added);
      expect(process.listeners('uncaughtException')).not.toContain(addedToo);
    } finally {
      process.off('unhandledRejection', mine);
    }
  });
});
