import { parseRepository, type Repository } from '@e/core/repository';
import { type Explanation, resolveInstall } from '@e/core/resolve';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { chooseCandidate } from './install-module.js';

const COMMANDS =
  '[{name: metadata, command: metadata}, {name: init, command: init}, {name: plan, command: plan}, {name: apply, command: apply}, {name: audit, command: audit}]';
const entry = (name: string, labels: string, requires = '') =>
  `  - name: ${name}\n    type: docker\n    versions:\n      - version: 0.1.0\n        image: localhost:5000/modules/${name}:0.1.0\n        labels: {${labels}}\n${requires}        commands: ${COMMANDS}\n`;

const repository = parseRepository(
  `version: v1\nkind: Repository\ncomponents:\n${[
    entry(
      'postgresql',
      'kind: database',
      '        requires:\n          strong:\n            - - {key: kind, operator: eq, values: [persistence]}\n',
    ),
    entry('rook', 'kind: persistence, provider: ceph'),
    entry('longhorn', 'kind: persistence, provider: longhorn'),
  ].join('')}`,
  'repository.yml',
).value as Repository;

function ambiguity(): Explanation {
  const result = resolveInstall({
    repository,
    installed: {},
    request: { name: 'postgresql' },
    options: { withDeps: true, prefer: [] },
  });
  if (result.ok) throw new Error('expected an ambiguity');
  return result.explanation;
}

let stderr: string;
beforeEach(() => {
  vi.stubEnv('NO_COLOR', '1');
  stderr = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

/** Answers the questions in turn, and records them. */
function answers(...given: string[]) {
  const asked: string[] = [];
  return {
    asked,
    prompt: async (question: string) => {
      asked.push(question);
      return given.shift() ?? '';
    },
  };
}

describe('the ambiguity question', () => {
  it('lists each candidate with its labels', async () => {
    const { prompt } = answers('2');
    expect(await chooseCandidate(ambiguity(), repository, prompt)).toBe('rook');
    expect(stderr).toContain('  1. longhorn 0.1.0  kind=persistence,provider=longhorn\n');
    expect(stderr).toContain('  2. rook 0.1.0      kind=persistence,provider=ceph\n');
  });

  it('asks again after a wrong answer, and takes a name as well as a number', async () => {
    const { prompt, asked } = answers('3', 'ceph', 'longhorn');
    expect(await chooseCandidate(ambiguity(), repository, prompt)).toBe('longhorn');
    expect(asked).toHaveLength(3);
    expect(stderr).toContain('"3" is not one of them: answer 1-2 or longhorn, rook.\n');
    expect(stderr).toContain('"ceph" is not one of them: answer 1-2 or longhorn, rook.\n');
  });

  it('cancels on an empty answer', async () => {
    await expect(chooseCandidate(ambiguity(), repository, answers('').prompt)).rejects.toMatchObject({
      code: 'E_CANCELLED',
    });
  });
});
