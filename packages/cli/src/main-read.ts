import { buildReadProgram } from './cli-read.js';
import { writeStdoutDirectly } from './output.js';
import { runProgram } from './run.js';

/**
 * main of the read-only bundle (dist/bundle/e-read.cjs): e repo list|search|show, e state show and
 * e status, as main.ts runs them, with less code to load (bin/e.js chooses, docs/runtime.md).
 */
export async function main(argv: string[]): Promise<number> {
  writeStdoutDirectly();
  return runProgram(argv, buildReadProgram());
}
