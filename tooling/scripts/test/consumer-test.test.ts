// How the consumer test finds README examples and checks install lines (the packing and installing run in CI).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  importedPackages,
  installLinePackages,
  missingFromInstallLine,
  readmeExamples,
  SKIP_MARKER,
} from '../consumer-test.mjs';

const fence = (lang: string, code: string) => `\`\`\`${lang}\n${code}\n\`\`\``;

describe('readmeExamples', () => {
  it('takes js and ts blocks that import something, skips marked, import-free and other blocks', () => {
    const readme = [
      '# x',
      fence('js', "import { a } from '@cs-dfd/a';\nconsole.log(a);"),
      fence('ts', 'disjointStep(problem: Problem): Result'),
      fence('sh', "pnpm add @cs-dfd/a\nimport x from 'y'"),
      SKIP_MARKER,
      '',
      fence('ts', "import { b } from '@cs-dfd/b';"),
      fence('ts', "import '@tensorflow/tfjs-backend-cpu';\nimport * as tf from '@tensorflow/tfjs-core';"),
    ].join('\n');
    const ex = readmeExamples(readme);
    expect(ex.map((e) => [e.lang, e.line])).toEqual([
      ['js', 2],
      ['ts', 18],
    ]);
    expect(ex[0]?.code).toBe("import { a } from '@cs-dfd/a';\nconsole.log(a);\n");
  });
});

describe('importedPackages', () => {
  it('reduces specifiers to package names, ignoring relative and node: imports', () => {
    const code = [
      "import '@tensorflow/tfjs-backend-cpu';",
      "import { aggregate } from '@cs-dfd/gramian/tfjs';",
      "import * as tf from '@tensorflow/tfjs-core';",
      "import { x } from './local.js';",
      "import { readFile } from 'node:fs/promises';",
      "import sharp from 'sharp';",
      'import {',
      '  a,',
      "} from 'lodash/fp';",
    ].join('\n');
    expect(importedPackages(code)).toEqual([
      '@cs-dfd/gramian',
      '@tensorflow/tfjs-backend-cpu',
      '@tensorflow/tfjs-core',
      'lodash',
      'sharp',
    ]);
  });
});

describe('install lines', () => {
  it('reads pnpm/npm lines without versions and names what an example imports but the line omits', () => {
    const readme = [
      fence('sh', 'pnpm add @cs-dfd/multitask @tensorflow/tfjs-core@4.22.0  # the step'),
      fence(
        'js',
        "import { uvs } from '@cs-dfd/uvs';\nimport '@tensorflow/tfjs-layers';\nimport * as tf from '@tensorflow/tfjs-core';",
      ),
    ].join('\n');
    expect([...installLinePackages(readme)].sort()).toEqual(['@cs-dfd/multitask', '@tensorflow/tfjs-core']);
    expect(missingFromInstallLine(readme)).toEqual(['@cs-dfd/uvs', '@tensorflow/tfjs-layers']);
  });

  it('the packages this branch fixed import nothing their install line omits', () => {
    for (const name of [
      'multitask',
      'uvs',
      'gramian',
      'aggregators',
      'cagrad',
      'pcgrad',
      'mgda',
      'imtl',
      'upgrad',
    ]) {
      const readme = readFileSync(new URL(`../../../packages/${name}/README.md`, import.meta.url), 'utf8');
      expect(missingFromInstallLine(readme), name).toEqual([]);
    }
  });
});
