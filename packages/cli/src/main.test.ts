import { EError } from '@e/core/errors';
import { describe, expect, it, vi } from 'vitest';
import { emit } from './output.js';
import { type MainResult, runMain } from './test-support/run-main.js';

// e repo list stands in for a command that has a result and then fails (an install that applied
// some modules, e plan --all with a failed plan), and e repo schema for one that has no bug to hide
vi.mock('./commands/repo-list.js', () => ({
  repoList: async (options: { output: 'text' | 'json' | 'yaml' }) => {
    emit(options.output, { applied: ['kafka'] }, () => 'Installed: kafka.');
    throw new EError('E_INSTALL_FAILED', 'monitoring failed at apply.', { exitCode: 4 });
  },
}));
vi.mock('./commands/repo-schema.js', () => ({
  repoSchema: () => {
    throw new TypeError('x is undefined');
  },
}));

function e(...args: string[]): Promise<MainResult> {
  return runMain(args);
}

describe('main with -o json|yaml', () => {
  it('prints one document: the error, with the result the command had before it failed', async () => {
    const { code, stdout, stderr } = await e('-o', 'json', 'repo', 'list');
    expect(code).toBe(4);
    expect(JSON.parse(stdout)).toEqual({
      ok: false,
      error: { code: 'E_INSTALL_FAILED', message: 'monitoring failed at apply.', hint: null, exitCode: 4 },
      result: { applied: ['kafka'] },
    });
    expect(stderr).toBe('e: monitoring failed at apply.\n');
  });

  it('prints the text result and then the error without -o', async () => {
    const { code, stdout, stderr } = await e('repo', 'list');
    expect(code).toBe(4);
    expect(stdout).toBe('Installed: kafka.\n');
    expect(stderr).toBe('e: monitoring failed at apply.\n');
  });

  it('reports a bug in e as E_INTERNAL, exit 70', async () => {
    const { code, stdout } = await e('repo', 'schema', '-o', 'yaml');
    expect(code).toBe(70);
    expect(stdout).toBe(
      [
        'ok: false',
        'error:',
        '  code: E_INTERNAL',
        '  message: "unexpected error (this is a bug in e): x is undefined"',
        '  hint: Run again with --debug to see the stack trace, and report it.',
        '  exitCode: 70',
        '',
      ].join('\n'),
    );
  });

  it('prints nothing but help for --help', async () => {
    const { code, stdout } = await e('-o', 'json', 'status', '--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: e status/);
  });

  it('the completion script is a result like any other', async () => {
    const { code, stdout } = await e('-o', 'json', 'completion', 'bash');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ shell: 'bash', script: expect.stringContaining('complete -F _e_complete e') });
  });
});
