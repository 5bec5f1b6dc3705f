// The workspace's import graph runs apps -> packages only. The checker is tested on made-up members first, so
// that the workspace check below can fail; specifiers naming apps are built from parts so that this file itself
// does not import one.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  fileViolations,
  type Member,
  manifestViolations,
  specifiers,
  workspaceViolations,
} from '../src/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const TRAIN_APP = ['cs-dfd', 'train'].join('-');
const BENCH_APP = ['cs-dfd', 'bench'].join('-');

const MEMBERS: Member[] = [
  { name: TRAIN_APP, dir: 'apps/trainer', kind: 'app' },
  { name: BENCH_APP, dir: 'apps/benchmark', kind: 'app' },
  { name: '@cs-dfd/training', dir: 'packages/training', kind: 'package' },
  { name: '@cs-dfd/test-utils', dir: 'tooling/test-utils', kind: 'package' },
];

describe('specifiers', () => {
  it('finds static, type-only, re-export, side-effect, dynamic and require specifiers', () => {
    const q = "'";
    const source = [
      `import { a } from ${q}one${q};`,
      `import type { B } from "two";`,
      `export { c } from ${q}./three.js${q};`,
      `import ${q}four${q};`,
      `const m = await import(${q}five${q});`,
      `const r = require(${q}six${q});`,
      `type T = import(${q}seven${q}).T;`,
      'const text = "no import here";',
    ].join('\n');
    expect(specifiers(source)).toEqual(['one', 'two', './three.js', 'four', 'five', 'six', 'seven']);
  });
});

describe('fileViolations', () => {
  it('flags a package importing an app by name, by subpath and by a relative path into apps/', () => {
    const v = fileViolations(MEMBERS, 'packages/training/src/x.ts', [
      TRAIN_APP,
      `${BENCH_APP}/grid`,
      '../../../apps/trainer/src/report.js',
      '@cs-dfd/gramian',
      './y.js',
    ]);
    expect(v.map((x) => x.specifier)).toEqual([
      TRAIN_APP,
      `${BENCH_APP}/grid`,
      '../../../apps/trainer/src/report.js',
    ]);
    expect(v[0]!.reason).toContain('imports an app');
  });

  it('flags tooling importing an app, and an app importing another app by name or path', () => {
    expect(fileViolations(MEMBERS, 'tooling/test-utils/src/a.ts', [TRAIN_APP])).toHaveLength(1);
    const v = fileViolations(MEMBERS, 'apps/benchmark/src/grid/run.ts', [
      TRAIN_APP,
      '../../../trainer/src/train.js',
    ]);
    expect(v.map((x) => x.reason)).toEqual([
      `app ${BENCH_APP} imports another app (${TRAIN_APP})`,
      `app ${BENCH_APP} imports another app (${TRAIN_APP})`,
    ]);
  });

  it('lets an app import packages and its own files, and a package import packages', () => {
    expect(
      fileViolations(MEMBERS, 'apps/trainer/test/cli.test.ts', [
        '../src/cli.js',
        '@cs-dfd/training',
        BENCH_APP.slice(0, 6),
      ]),
    ).toEqual([]);
    expect(fileViolations(MEMBERS, 'packages/training/test/a.test.ts', ['../src/index.js'])).toEqual([]);
  });
});

describe('manifestViolations', () => {
  it('flags any dependency on an app except the app itself', () => {
    const v = manifestViolations(MEMBERS, 'apps/benchmark/package.json', {
      dependencies: { [TRAIN_APP]: 'workspace:^', '@cs-dfd/training': 'workspace:^' },
      devDependencies: { [BENCH_APP]: 'workspace:*' },
    });
    expect(v.map((x) => x.specifier)).toEqual([`dependencies.${TRAIN_APP}`]);
    expect(
      manifestViolations(MEMBERS, 'packages/training/package.json', {
        peerDependencies: { [BENCH_APP]: '*' },
      }),
    ).toHaveLength(1);
  });
});

describe('the workspace', () => {
  it('imports run apps -> packages only', async () => {
    const v = await workspaceViolations(ROOT);
    expect(v.map((x) => `${x.file}: ${x.specifier} (${x.reason})`)).toEqual([]);
  });
});
