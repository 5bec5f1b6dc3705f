import { defineConfig } from 'vitest/config';

// One vitest run over every package and app: one summary, one process pool sized for this 2-core machine.
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts', 'apps/*/vitest.config.ts', 'tooling/scripts/vitest.config.ts'],
    pool: 'forks',
    reporters: ['default', './tooling/vitest-config/summary-reporter.js'],
  },
});
