// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are shell scripts, whose ${...} is their own
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildProgram } from './cli.js';
import { COMPLETED_COMMANDS, type CompletionSources, commandPath, complete, completionScript } from './completion.js';
import { main } from './main.js';

const run = promisify(execFile);

const sources: CompletionSources = {
  moduleVersions: async () =>
    new Map([
      ['kafka', { versions: ['0.2.0', '0.1.0'], commands: new Map([['0.2.0', ['init', 'plan', 'backup']]]) }],
      ['kubernetes', { versions: ['1.0.0'], commands: new Map() }],
      ['hello', { versions: ['0.1.0'], commands: new Map() }],
    ]),
  installed: async () => ['hello', 'kafka'],
  sections: async () => ['azi', 'kafka', 'e'],
};

const values = async (...words: string[]) => {
  const result = await complete(buildProgram(), words, sources);
  return [...result.candidates.map((c) => c.split('\t')[0]), `:${result.directive}`];
};

describe('complete', () => {
  it.each([
    [['mod'], ['module', ':none']],
    [
      ['module', 'inst'],
      ['install', ':none'],
    ],
    [
      ['module', 'install', 'ka'],
      ['kafka', ':none'],
    ],
    [
      ['module', 'install', 'k'],
      ['kafka', 'kubernetes', ':none'],
    ],
    [
      ['module', 'install', 'kafka@'],
      ['kafka@0.2.0', 'kafka@0.1.0', ':none'],
    ],
    [
      ['module', 'install', 'kafka@0.1'],
      ['kafka@0.1.0', ':none'],
    ],
    [
      ['-r', 'x.yml', 'module', 'install', '--prefer', 'ku'],
      ['kubernetes', ':none'],
    ],
    [
      ['module', 'upgrade', ''],
      ['hello', 'kafka', ':none'],
    ],
    [
      ['module', 'upgrade', 'kafka', ''],
      ['0.2.0', '0.1.0', ':none'],
    ],
    [
      ['module', 'remove', 'h'],
      ['hello', ':none'],
    ],
    [
      ['module', 'run', 'kafka@0.2.0', 'b'],
      ['backup', ':none'],
    ],
    [
      ['apply', 'he'],
      ['hello', ':none'],
    ],
    [
      ['module', 'plan', 'he'],
      ['hello', ':none'],
    ],
    [
      ['repo', 'show', 'kafka@0.2'],
      ['kafka@0.2.0', ':none'],
    ],
    [
      ['state', 'show', 'a'],
      ['azi', ':none'],
    ],
    [
      ['completion', ''],
      ['bash', 'zsh', 'fish', ':none'],
    ],
    [
      ['-o', ''],
      ['text', 'json', 'yaml', ':none'],
    ],
    [
      ['status', '--output=j'],
      ['--output=json', ':none'],
    ],
    [
      ['module', 'install', '--pull', 'n'],
      ['never', ':none'],
    ],
    [['-r', ''], [':files']],
    [
      ['--platform', 'linux/a'],
      ['linux/amd64', 'linux/arm64', ':none'],
    ],
    [['-s', 'x'], [':dirs']],
    [['module', 'test', ''], [':dirs']],
    [['module', 'install', 'kafka', ''], [':none']],
    [['module', 'run', 'kafka', 'backup', '--', 'ka'], [':none']],
    [
      ['module', 'install', '--with'],
      ['--with-deps', ':none'],
    ],
    [
      ['status', '--sh'],
      ['--shared', ':none'],
    ],
  ])('%j → %j', async (words, expected) => {
    expect(await values(...words)).toEqual(expected);
  });

  it('offers every visible command, never the hidden callback', async () => {
    const all = await values('');
    expect(all).toContain('status');
    expect(all).toContain('completion');
    expect(all).not.toContain('__complete');
  });

  it('knows only commands the program has', () => {
    const paths = new Set<string>();
    const visit = (command: ReturnType<typeof buildProgram>) => {
      paths.add(commandPath(command));
      command.commands.forEach(visit);
    };
    visit(buildProgram());
    expect(COMPLETED_COMMANDS.filter((path) => !paths.has(path))).toEqual([]);
  });
});

/**
 * The scripts run in the real shells. Their `e` is a shell function that hands its arguments to
 * this test process, which answers with main() (e __complete ...), as the real e would.
 */
describe('completion scripts', { timeout: 30_000 }, () => {
  // real shells: zsh's compinit alone takes seconds on a loaded machine
  let dir: string;
  let server: Server;
  let url: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'e-completion-'));
    const repository = join(dir, 'repository.yml');
    await writeFile(repository, repositoryFile(['kafka', 'hello', 'monitoring']));
    vi.stubEnv('E_REPOSITORY', repository);
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', async () => {
        response.end(await eInProcess(JSON.parse(body) as string[]));
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await new Promise((done) => server.close(done));
    await rm(dir, { recursive: true, force: true });
  });

  /** A script that defines `e` as a call into this process. */
  const shim = (shell: 'bash' | 'zsh' | 'fish') => {
    const node = `${JSON.stringify(process.execPath)} -e ${JSON.stringify(
      `fetch(${JSON.stringify(url)},{method:'POST',body:JSON.stringify(process.argv.slice(1))}).then(r=>r.text()).then(t=>process.stdout.write(t))`,
    )} --`;
    return shell === 'fish' ? `function e; ${node} $argv; end` : `e() { ${node} "$@"; }`;
  };

  it('bash completes e module install ka<TAB> to kafka', async () => {
    const script = [
      shim('bash'),
      completionScript('bash'),
      'COMP_WORDS=(e module install ka); COMP_CWORD=3; COMP_LINE="e module install ka"; COMP_POINT=${#COMP_LINE}',
      '_e_complete',
      'printf "%s\\n" "${COMPREPLY[@]}"',
      // the function registered for e is the one just called
      'complete -p e',
    ].join('\n');
    const { stdout } = await run('bash', ['-c', script]);
    expect(stdout).toBe('kafka\ncomplete -F _e_complete e\n');
  });

  it('bash completes the commands after e, and files after -r', async () => {
    await writeFile(join(dir, 'other-repository.yml'), '');
    const script = [
      shim('bash'),
      completionScript('bash'),
      `cd ${JSON.stringify(dir)}`,
      'COMP_WORDS=(e mo); COMP_CWORD=1; _e_complete; echo "${COMPREPLY[*]}"',
      'COMP_WORDS=(e -r oth); COMP_CWORD=2; _e_complete; echo "${COMPREPLY[*]}"',
    ].join('\n');
    const { stdout } = await run('bash', ['-c', script]);
    expect(stdout).toBe('module\nother-repository.yml\n');
  });

  it('fish completes e module install ka to kafka (make setup installs fish)', async () => {
    const script = [shim('fish'), completionScript('fish'), 'complete -C "e module install ka"'].join('\n');
    const { stdout } = await run('fish', ['--no-config', '-c', script]);
    expect(stdout).toBe('kafka\n');
  });

  it('zsh offers kafka for e module install ka (make setup installs zsh)', async () => {
    const script = [
      'autoload -Uz compinit && compinit -u -D',
      shim('zsh'),
      completionScript('zsh'),
      // outside a TAB there is no completion widget: print what _describe would offer
      '_describe() { print -rl -- "${(@P)${@[-1]}}"; }',
      'words=(e module install ka); CURRENT=4; _e_complete',
    ].join('\n');
    const { stdout } = await run('zsh', ['-f', '-c', script]);
    expect(stdout).toBe('kafka\n');
  });
});

/** What `e ...args` prints on stdout, run in this process. */
async function eInProcess(args: string[]): Promise<string> {
  let stdout = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  try {
    await main(['node', 'e', ...args]);
  } finally {
    out.mockRestore();
  }
  return stdout;
}

function repositoryFile(names: string[]): string {
  const commands = ['metadata', 'init', 'plan', 'apply', 'audit'].map((c) => `{name: ${c}, command: ${c}}`).join(', ');
  return `version: v1\nkind: Repository\ncomponents:\n${names
    .map(
      (name) =>
        `  - name: ${name}\n    type: docker\n    versions:\n      - version: 0.1.0\n        image: localhost:5000/modules/${name}:0.1.0\n        labels: {kind: ${name}}\n        commands: [${commands}]\n`,
    )
    .join('')}`;
}
