import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { appliesTo } from '@e/module-sdk';
import { RuntimeError } from '../errors.js';
import { parseStateText } from '../state/state-file.js';
import type { ModuleSource } from './module-source.js';
import type { MockedState } from './validate-module.js';

/**
 * The mocked platform to validate `version` on: `--state FILE` when given, else the `given` of the
 * module's conformance case for that version, else an empty shared directory.
 */
export async function chooseMockedState(options: {
  source?: ModuleSource;
  version: string;
  stateFile?: string;
}): Promise<MockedState> {
  if (options.stateFile !== undefined) {
    let text: string;
    try {
      text = await readFile(options.stateFile, 'utf8');
    } catch (error) {
      throw new RuntimeError(
        'E_STATE_FILE',
        `Cannot read --state ${options.stateFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`,
      );
    }
    const parsed = parseStateText(text);
    if (!parsed.ok)
      throw new RuntimeError('E_STATE_FILE', `--state ${options.stateFile} is not a state: ${parsed.problem}.`);
    return { source: `${options.stateFile} (--state)`, stateText: text };
  }
  const found = options.source?.cases.find((c) => c.testCase.conformance && appliesTo(c.testCase, options.version));
  if (found === undefined) {
    const where =
      options.source === undefined
        ? 'no tests directory of this module was found'
        : `no conformance case in ${display(options.source.dir)}/tests`;
    return { source: `empty shared directory (${where})` };
  }
  return { source: `${display(found.file)} (conformance case)`, testCase: found.testCase };
}

function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') ? rel : path;
}
