import { packageProject } from '@cs-dfd/vitest-config';

// Whole tiny training runs (the README example among them: import, 4 steps, evaluation, plots) take 10-60 s on the
// shared 2-core machine under load; twice the preset's limit keeps them from timing out there.
export default packageProject({ test: { testTimeout: 120_000 } });
