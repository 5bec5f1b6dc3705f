import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as gramian from '@cs-dfd/gramian';
import { expect, it } from 'vitest';
import * as self from '../src/index.js';

/** Runs the README's ```ts example with its imports bound to this package's sources. */
it('the README example runs and its assertions hold', async () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const block = /## Example[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(block).toBeDefined();
  const modules: Record<string, unknown> = {
    'node:assert/strict': { default: assert },
    '@cs-dfd/gramian': gramian,
    '@cs-dfd/nash-mtl': self,
  };
  const body = block!.replace(
    /^import (\w+|\{[^}]+\}) from '([^']+)';$/gm,
    (_, names: string, mod: string) => {
      expect(modules[mod], `README imports ${mod}`).toBeDefined();
      return names.startsWith('{')
        ? `const ${names.replace(/ as /g, ': ')} = modules['${mod}'];`
        : `const ${names} = modules['${mod}'].default;`;
    },
  );
  const logs: unknown[][] = [];
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
    ...args: string[]
  ) => (...a: unknown[]) => Promise<void>;
  await new AsyncFunction('modules', 'console', body)(modules, { log: (...a: unknown[]) => logs.push(a) });
  expect(logs.length).toBeGreaterThan(0);
});
