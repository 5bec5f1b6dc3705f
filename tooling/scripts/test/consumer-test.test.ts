// How the consumer test finds README examples and checks install lines (the packing and installing run in CI).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  importedPackages,
  installLinePackages,
  linksOutsidePackage,
  missingFromInstallLine,
  readmeExamples,
  relativeLinks,
  SKIP_MARKER,
  trainedCheck,
  unplacedDesignCitation,
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

describe('README links and design citations', () => {
  it('finds relative link targets (inline, reference, html) and leaves web and in-page links out', () => {
    const readme = [
      'See [the API](./docs/api.md#top), [design](../../DESIGN.md) and [site](https://x.org/a.md).',
      '[ref]: ../shared/notes.md',
      '<img src="plot.png"> [mail](mailto:a@b.c) [here](#usage) [abs](/etc/passwd)',
    ].join('\n');
    expect(relativeLinks(readme)).toEqual([
      './docs/api.md',
      '../../DESIGN.md',
      '/etc/passwd',
      '../shared/notes.md',
      'plot.png',
    ]);
    expect(linksOutsidePackage(readme)).toEqual(['../../DESIGN.md', '/etc/passwd', '../shared/notes.md']);
    expect(linksOutsidePackage('[x](docs/../../a.md) [y](docs/../a.md)')).toEqual(['docs/../../a.md']);
  });

  it('asks the first DESIGN citation to say it is in the repository', () => {
    expect(unplacedDesignCitation('No design here.')).toBeUndefined();
    expect(unplacedDesignCitation('Core (DESIGN §3 in the repository). Later DESIGN §4.')).toBeUndefined();
    expect(unplacedDesignCitation('Core (DESIGN §3.3, §6 in the\nrepository): more.')).toBeUndefined();
    expect(unplacedDesignCitation('Core (DESIGN §3). Later DESIGN §4 in the repository.')).toBe('DESIGN §3)');
  });

  it('every package README: install line complete, design placed, no link outside the package', () => {
    const packages = new URL('../../../packages/', import.meta.url);
    const names = readdirSync(packages);
    expect(names.length).toBeGreaterThan(20);
    for (const name of names) {
      let readme: string;
      try {
        readme = readFileSync(new URL(`${name}/README.md`, packages), 'utf8');
      } catch {
        continue;
      }
      expect(missingFromInstallLine(readme), name).toEqual([]);
      expect(unplacedDesignCitation(readme), name).toBeUndefined();
      expect(linksOutsidePackage(readme), name).toEqual([]);
    }
  });
});

describe('trainedCheck', () => {
  const dir = mkdtempSync(join(tmpdir(), 'trained-check-'));
  const check = (example: string) => {
    writeFileSync(join(dir, 'ex.mjs'), example);
    writeFileSync(join(dir, 'check.mjs'), trainedCheck('./ex.mjs'));
    try {
      return {
        ok: true,
        out: execFileSync(process.execPath, ['check.mjs'], { cwd: dir, encoding: 'utf8', stdio: 'pipe' }),
      };
    } catch (e) {
      return { ok: false, out: String((e as { stderr?: string }).stderr) };
    }
  };

  it("passes when every task's last loss is below 20 % of its first, fails otherwise", () => {
    expect(check('export const history = [[1, 2], [0.1, 0.39]];').ok).toBe(true);
    const slow = check('export const history = [[1, 2], [0.1, 0.41]];');
    expect(slow.ok).toBe(false);
    expect(slow.out).toContain('task 1 did not train');
    expect(check('export const history = [[1, 2], [NaN, 0.1]];').ok).toBe(false);
    expect(check('export const history = [];').ok).toBe(false);
    expect(check('export const history = [[1], [0.1]];\nexport const sineLoss = 0.3;').ok).toBe(false);
    expect(check('export const history = [[1], [0.1]];\nexport const sineLoss = 0.1;').ok).toBe(true);
    rmSync(dir, { recursive: true, force: true });
  });
});
