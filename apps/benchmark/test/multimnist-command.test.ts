import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addMultiMnistCommand } from '../src/multimnist/command.js';

/** A program with only the multimnist command, whose errors throw instead of exiting. */
function program(): { run: (args: string[]) => Promise<unknown>; err: string[] } {
  const err: string[] = [];
  const p = new Command('cs-dfd-bench').exitOverride();
  const cmd = addMultiMnistCommand(p)
    .exitOverride()
    .configureOutput({ writeErr: (s) => err.push(s), writeOut: (s) => err.push(s) });
  cmd.action(() => undefined); // parse only: no training in this test
  return { run: (args) => p.parseAsync(['node', 'cs-dfd-bench', 'multimnist', ...args]), err };
}

describe('multimnist command', () => {
  it('states the default sizes in --help', async () => {
    const p = program();
    await expect(p.run(['--help'])).rejects.toThrow();
    const help = p.err.join('');
    for (const text of [
      '(default: 6000)',
      '(default: 2000)',
      '(default: 3)',
      '(default: 64)',
      '(default: 0.001)',
    ])
      expect(help).toContain(text);
  });

  it.each([
    [['--seeds', '1,x'], /expected integer seeds, got "x"/],
    [['--train', '0'], /expected a positive integer, got "0"/],
    [['--lr', '-1'], /expected a positive number, got "-1"/],
  ])('rejects %j naming the value', async (args, why) => {
    const p = program();
    await expect(p.run(args)).rejects.toThrow();
    expect(p.err.join('')).toMatch(why);
  });
});
