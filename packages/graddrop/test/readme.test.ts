import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');

describe('README example', () => {
  it('is examples/readme.ts verbatim', () => {
    expect(read('../README.md')).toContain(read('../examples/readme.ts'));
  });

  it('runs and prints what its comments say', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await import('../examples/readme.js');
    const calls = log.mock.calls;
    const printed = calls.map((args) => JSON.stringify(args[0]));
    log.mockRestore();
    const promised = [...read('../examples/readme.ts').matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map(
      (m) => JSON.stringify(JSON.parse(m[1]!.replaceAll("'", '"'))),
    );
    expect(promised.length).toBeGreaterThan(0);
    for (const args of calls) expect(args).toHaveLength(1);
    expect(printed).toEqual(promised);
  });
});
