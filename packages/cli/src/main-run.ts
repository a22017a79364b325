import { buildRunProgram } from './cli-run.js';
import { runProgram } from './run.js';

/**
 * main of the module-run bundle (dist/bundle/e-run.cjs): e init|plan|apply|audit and e module
 * run|init|plan|apply|audit, as main.ts runs them, with less code to load (bin/e.js chooses,
 * docs/runtime.md).
 */
export async function main(argv: string[]): Promise<number> {
  return runProgram(argv, buildRunProgram());
}
