import { fileURLToPath } from 'node:url';
import { packageProject } from '@cs-dfd/vitest-config';

// The README example imports the package by its published name; point that at the sources under test.
export default packageProject({
  resolve: { alias: { '@cs-dfd/multitask': fileURLToPath(new URL('./src/index.ts', import.meta.url)) } },
});
