/**
 * @packageDocumentation
 * cs-dfd-bench as a library: the protocols behind the CLI, for scripting and tests.
 */
export { METHODS, type MethodEntry, methodsByName } from './methods.js';
export { fmt, markdownTable } from './table.js';
export * from './toy/index.js';
