// @ts-check
// Assembles src/wasm/train-kernels.wat into src/wasm/train-kernels.wasm.ts (the module's bytes as base64), which is
// committed so that neither the build nor an installed package needs wabt. test/wasm-kernels.test.ts fails when the
// committed bytes are not what this script makes from the .wat.
// Run: node scripts/build-wasm.mjs [--check]
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { assembleTrainKernels, renderModule } from './wasm-module.mjs';

const wasmTs = fileURLToPath(new URL('../src/wasm/train-kernels.wasm.ts', import.meta.url));
const text = renderModule(await assembleTrainKernels());
if (process.argv.includes('--check')) {
  if (readFileSync(wasmTs, 'utf8') !== text) {
    console.error(`${wasmTs} is stale: run node scripts/build-wasm.mjs`);
    process.exit(1);
  }
} else {
  writeFileSync(wasmTs, text);
  console.log(`wrote ${wasmTs}`);
}
