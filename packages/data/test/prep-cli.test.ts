import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, parseLabelMap } from '../src/prep-cli.js';
import { tmpDir } from './fixtures.js';

function capture() {
  const io = { out: '', err: '' };
  return {
    io,
    cli: { out: (t: string) => void (io.out += t), err: (t: string) => void (io.err += t), tty: false },
  };
}

describe('cs-dfd-prep', () => {
  it('--help lists the options with their defaults', async () => {
    const { io, cli } = capture();
    expect(await main(['node', 'cs-dfd-prep', '--help'], cli)).toBe(0);
    for (const s of [
      '--input <dir>',
      '--out <dir>',
      '--size <px>',
      '(default: 256)',
      '--frames <n>',
      '(default: 32)',
      '--label-map <pairs>',
      '--dataset <name>',
    ]) {
      expect(io.out).toContain(s);
    }
  });

  it('fails with a usage error when --input is missing, and on a bad --size', async () => {
    const a = capture();
    expect(await main(['node', 'cs-dfd-prep', '--out', 'x'], a.cli)).toBe(1);
    expect(a.io.err).toContain("required option '-i, --input <dir>' not specified");
    const b = capture();
    expect(await main(['node', 'cs-dfd-prep', '-i', 'a', '-o', 'b', '--size', '2.5'], b.cli)).toBe(1);
    expect(b.io.err).toContain('--size must be an integer >= 8');
  });

  it('reports an input without real/ or fake/ naming the folder', async () => {
    const dir = await tmpDir();
    const { io, cli } = capture();
    expect(await main(['node', 'cs-dfd-prep', '-i', dir, '-o', path.join(dir, 'out')], cli)).toBe(1);
    expect(io.err).toContain(`cs-dfd-prep: ${dir} has neither real/ nor fake/<method>/`);
  });

  it('parses --label-map pairs and rejects malformed ones', () => {
    expect(parseLabelMap('real=FF-real, Deepfakes=FF-DF', { x: 'y' })).toEqual({
      x: 'y',
      real: 'FF-real',
      Deepfakes: 'FF-DF',
    });
    expect(() => parseLabelMap('real:FF-real')).toThrow(/"real:FF-real" is not folder=labelKey/);
  });
});
