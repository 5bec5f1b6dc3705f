// Its own file: the other backend tests start wasm through the test helpers, before initBackend could act.
import { describe, expect, it } from 'vitest';
import { initBackend } from '../src/select.js';

describe('initBackend and process error handling', () => {
  it('leaves no listener of the Emscripten glue that rethrows rejections (which would exit with code 7)', async () => {
    const before =
      process.listeners('unhandledRejection').length + process.listeners('uncaughtException').length;
    const choice = await initBackend({ backend: 'wasm', env: {} });
    expect(choice.name).toBe('wasm');
    const listeners = [...process.listeners('unhandledRejection'), ...process.listeners('uncaughtException')];
    expect(listeners.filter((l) => /throw (reason|ex)\b/.test(String(l)))).toEqual([]);
    expect(listeners.length).toBe(before);
  });
});
