import { z } from 'zod';

/** One command of a case. */
const step = z.strictObject({
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  env: z.record(z.string(), z.string()).default({}),
  /** For steps before the last: the exit code they must end with (default 0). */
  exitCode: z.number().int().optional(),
});

/** A declarative module test case (format: docs/module-tests.md). */
export const testCaseSchema = z.strictObject({
  description: z.string().optional(),
  /** Module versions the case applies to; default: all. */
  versions: z.array(z.string()).optional(),
  /** This case's `given` is the mocked state `e module validate` uses. */
  conformance: z.boolean().default(false),
  given: z
    .strictObject({
      /** Content of state.yml; omitted: no state.yml. */
      state: z.record(z.string(), z.unknown()).optional(),
      /** Other files under the shared dir: a string is written as is, anything else as YAML. */
      files: z.record(z.string(), z.unknown()).default({}),
    })
    .default({ files: {} }),
  run: z.union([step, z.array(step).min(1)]),
  expect: z.strictObject({
    exitCode: z.number().int(),
    /** Subset of the resulting state. */
    state: z.record(z.string(), z.unknown()).optional(),
    /** Subset of files: a string must equal the text; anything else is a subset of the parsed YAML. */
    files: z.record(z.string(), z.unknown()).default({}),
    /** Files that must not exist. */
    absent: z.array(z.string()).default([]),
    /** Substrings the output must contain. */
    stdout: z.array(z.string()).default([]),
    stderr: z.array(z.string()).default([]),
  }),
});

export type TestCase = z.output<typeof testCaseSchema>;
export type TestStep = z.output<typeof step>;

export function steps(testCase: TestCase): TestStep[] {
  return Array.isArray(testCase.run) ? testCase.run : [testCase.run];
}

export function appliesTo(testCase: TestCase, version: string): boolean {
  return testCase.versions === undefined || testCase.versions.includes(version);
}
