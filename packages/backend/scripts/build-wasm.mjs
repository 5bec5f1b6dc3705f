// @ts-check
// Generates src/wasm/train-kernels.wat from its template (gen-wat.mjs), then assembles it into
// src/wasm/train-kernels.wasm.ts (the module's bytes as base64). Both are committed so that neither the build nor
// an installed package needs wabt; test/wasm-kernels.test.ts fails when either is not what this script makes.
// Run: node scripts/build-wasm.mjs [--check]
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateTrainKernelsWat } from './gen-wat.mjs';
import { assembleTrainKernels, renderModule, WAT_PATH } from './wasm-module.mjs';

const wasmTs = fileURLToPath(new URL('../src/wasm/train-kernels.wasm.ts', import.meta.url));
const check = process.argv.includes('--check');
let stale = false;
/** @param {string} path @param {() => string | Promise<string>} make */
async function update(path, make) {
  const text = await make();
  if (!check) {
    writeFileSync(path, text);
    console.log(`wrote ${path}`);
  } else if (readFileSync(path, 'utf8') !== text) {
    console.error(`${path} is stale: run node scripts/build-wasm.mjs`);
    stale = true;
  }
}
await update(WAT_PATH, generateTrainKernelsWat);
await update(wasmTs, async () => renderModule(await assembleTrainKernels()));
if (stale) process.exit(1);
