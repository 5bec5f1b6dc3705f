import { packageProject } from '@cs-dfd/vitest-config';

export default packageProject();
