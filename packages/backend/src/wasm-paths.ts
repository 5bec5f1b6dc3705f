import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * The folder holding tfjs-backend-wasm's .wasm binaries, resolved on disk so that initialising the backend in
 * Node reads local files and never fetches.
 */
export function wasmBinaryFolder(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return `${path.join(path.dirname(pkg), 'dist')}${path.sep}`;
}
