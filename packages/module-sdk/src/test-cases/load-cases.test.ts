import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { formatCaseProblem } from './case-problems.js';
import { CaseFileError, checkCase, loadCases } from './load-cases.js';

const problems = (text: string, module?: string) =>
  checkCase(text, 'tests/plan.yml', module === undefined ? {} : { module }).problems.map(formatCaseProblem);

describe('checkCase', () => {
  it.each([
    [
      'a missing exit code',
      'description: plan\nrun: {command: plan}\nexpect:\n  stdout: [x]\n',
      [
        'tests/plan.yml:4:3 expect.exitCode: required; add exitCode: 0|2\n  hint: the exit code the last step must end with: 0 worked (plan: no changes, audit: clean), 2 plan proposes changes, 3 audit found drift, 1 an error',
      ],
    ],
    [
      'a misspelt field',
      'rn: {command: plan}\nexpect: {exitCode: 0}\n',
      [
        'tests/plan.yml:1:1 run: required; add run: {command: init}\n  hint: one step, or a list of steps run in order',
        'tests/plan.yml:1:1 rn: unknown field "rn" — did you mean "run"?\n  hint: allowed fields here: description, versions, conformance, given, run, expect',
      ],
    ],
    [
      'a step without a command, and a wrong type',
      'run:\n  - {command: init}\n  - {exitcode: 2}\nexpect: {exitCode: "0"}\n',
      [
        'tests/plan.yml:3:5 run.1.command: required; add command: init\n  hint: a command of the module: metadata, init, plan, apply, audit, or one of its own',
        'tests/plan.yml:3:6 run.1.exitcode: unknown field "exitcode" — did you mean "exitCode"?\n  hint: allowed fields here: command, args, env, exitCode',
        'tests/plan.yml:4:20 expect.exitCode: must be a number, got "0"',
      ],
    ],
    [
      'a state that is not a map',
      'given:\n  state: [a]\nrun: {command: init}\nexpect: {exitCode: 0}\n',
      [
        'tests/plan.yml:2:10 given.state: must be a map, got a list\n  hint: the content of state.yml: a map of sections, e.g. {azi: {status: applied}}',
      ],
    ],
  ])('%s', (_, text, expected) => {
    expect(problems(text)).toEqual(expected);
  });

  it('says where YAML stops being YAML', () => {
    expect(problems('run: {command: init\n')[0]).toMatch(/^tests\/plan\.yml:\d+:\d+: not valid YAML: /);
  });

  it("refuses a conformance case whose given already has the module's section or files", () => {
    const text = [
      'conformance: true',
      'given:',
      '  state:',
      '    azi: {status: applied}',
      '    greeter: {status: applied}',
      '  files:',
      '    greeter-config.yml: {greeter: {}}',
      'run: {command: init}',
      'expect: {exitCode: 0}',
      '',
    ].join('\n');
    const hint =
      "\n  hint: a conformance case's given is the platform before greeter is installed: the sections and files of the modules it needs";
    expect(problems(text, 'greeter')).toEqual([
      `tests/plan.yml:5:14 given.state.greeter: must not be here: greeter is not installed yet${hint}`,
      `tests/plan.yml:7:25 given.files.greeter-config.yml: must not be here: it is greeter's own file${hint}`,
    ]);
    expect(problems(text)).toEqual([]);
    expect(problems(text.replace('conformance: true', 'conformance: false'), 'greeter')).toEqual([]);
  });
});

describe('loadCases', () => {
  it('reports the problems of every case file at once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'e-cases-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    await mkdir(join(dir, 'tests'));
    await writeFile(join(dir, 'tests/a.yml'), 'run: {command: plan}\nexpect: {}\n');
    await writeFile(join(dir, 'tests/b.yml'), 'run: {command: plan}\nexpect: {exitCode: 0}\nextra: 1\n');
    await writeFile(join(dir, 'tests/c.yml'), 'run: {command: plan}\nexpect: {exitCode: 2}\n');
    const error = await loadCases(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CaseFileError);
    expect((error as CaseFileError).problems.map((p) => [p.file.slice(dir.length + 1), p.path])).toEqual([
      ['tests/a.yml', 'expect.exitCode'],
      ['tests/b.yml', 'extra'],
    ]);
    expect((error as Error).message.split('\n')[0]).toBe('2 problems in 2 test cases:');
  });
});
