import type { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { buildProgram } from './cli.js';
import { commandPath, walkWords } from './completion.js';
import { EXAMPLES } from './help-examples.js';
import { main } from './main.js';

function commands(program: Command): Command[] {
  const all: Command[] = [];
  const visit = (command: Command) => {
    all.push(command);
    command
      .createHelp()
      .visibleCommands(command)
      .filter((c) => c.name() !== 'help')
      .forEach(visit);
  };
  visit(program);
  return all;
}

/** The words of the `e ...` in an example, up to a pipe, a redirection or the end of `<(...)`. */
function eWords(example: string): string[] {
  const at = example.search(/(^|\()e /);
  const words: string[] = [];
  for (const [, quoted, plain] of example
    .slice(example[at] === '(' ? at + 1 : at)
    .matchAll(/'([^']*)'|([^\s'()|<>]+|[()|<>])/g)) {
    if (plain !== undefined && /^[()|<>]$/.test(plain)) break;
    words.push(quoted ?? plain!);
  }
  return words.slice(1);
}

describe('help examples', () => {
  const program = buildProgram();

  it('every command has examples, and every example list belongs to a command', () => {
    const paths = commands(program).map(commandPath);
    expect(paths.filter((path) => !(EXAMPLES[path]?.length ?? 0))).toEqual([]);
    expect(Object.keys(EXAMPLES).filter((path) => !paths.includes(path))).toEqual([]);
  });

  it.each(Object.entries(EXAMPLES).flatMap(([path, examples]) => examples.map(([example]) => [path, example])))(
    '%s: %s runs that command',
    (path, example) => {
      const words = eWords(example);
      const reached = commandPath(walkWords(program, words).command);
      // an example of e itself or of a group (e module) may run any command under it
      expect(reached === path || reached.startsWith(path === '' ? '' : `${path} `), reached).toBe(true);
    },
  );

  it('shows them at the end of --help', async () => {
    let stdout = '';
    const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      stdout += String(chunk);
      return true;
    });
    try {
      expect(await main(['node', 'e', 'module', 'install', '--help'])).toBe(0);
    } finally {
      out.mockRestore();
    }
    expect(stdout).toMatch(/\nExamples:\n {2}# .+\n {2}e module install kafka\n/);
  });
});
