// Workspace packages export a "@cs-dfd/source" condition pointing at src/*.ts, so tests run against the
// sources of every package they import (no stale dist/ between a change and its test).
import { fileURLToPath } from 'node:url';
import { defineProject, mergeConfig } from 'vitest/config';

const conditions = ['@cs-dfd/source', 'import', 'module', 'node', 'default'];

/**
 * @param {import('vitest/config').UserWorkspaceConfig} [overrides]
 */
export function packageProject(overrides = {}) {
  return mergeConfig(
    defineProject({
      resolve: { conditions },
      ssr: { resolve: { conditions, externalConditions: ['@cs-dfd/source'] } },
      test: {
        environment: 'node',
        include: ['test/**/*.test.ts'],
        setupFiles: [fileURLToPath(new URL('./fast-check-seed.js', import.meta.url))],
        testTimeout: 60_000,
        hookTimeout: 60_000,
      },
    }),
    overrides,
  );
}
