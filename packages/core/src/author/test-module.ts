import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appliesTo, runCase } from '@e/module-sdk';
import { isEError } from '../errors.js';
import type { Repository } from '../repository/model.js';
import type { ContainerRuntime } from '../runtime/container-runtime.js';
import type { PullPolicy } from '../runtime/ensure-image.js';
import { formatPlatform, type Platform } from '../runtime/platform.js';
import { imageCaseRunner, prepareTarget, targetVersions } from './image-target.js';
import type { ModuleSource } from './module-source.js';

export interface CaseResult {
  module: string;
  version: string;
  /** The case file's name without extension. */
  case: string;
  file: string;
  passed: boolean;
  /** One line per failed expectation (`state.yml: kafka.status: expected "applied", got "initialized"`). */
  failures: string[];
  durationMs: number;
  /** stdout and stderr of every step, for a failed case. */
  output?: string;
}

export interface TestModuleOptions {
  repository: Repository;
  source: ModuleSource;
  version?: string;
  image?: string;
  platform: Platform;
  pull: PullPolicy;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Called when a case ends, so a caller can print as it goes. */
  onCase?(result: CaseResult): void;
  /** Called before the first case of a version, with the image that runs. */
  onVersion?(info: { version: string; image: string; digest: string }): void;
}

export interface TestModuleReport {
  module: string;
  platform: string;
  versions: { version: string; image: string; digest: string; cases: number }[];
  results: CaseResult[];
  passed: number;
  failed: number;
}

/**
 * Runs the module's declarative cases against its real image, each in a fresh shared directory
 * under one temporary directory that is removed at the end, for every version tested.
 */
export async function testModule(runtime: ContainerRuntime, options: TestModuleOptions): Promise<TestModuleReport> {
  const { source } = options;
  const targets = targetVersions({
    repository: options.repository,
    module: source.name,
    version: options.version,
    image: options.image,
    fallbackVersion: source.packageVersion,
  });
  const report: TestModuleReport = {
    module: source.name,
    platform: formatPlatform(options.platform),
    versions: [],
    results: [],
    passed: 0,
    failed: 0,
  };
  const work = await mkdtemp(join(tmpdir(), `e-module-test-${source.name}-`));
  try {
    for (const target of targets) {
      const version = target.entry.version;
      const cases = source.cases.filter((c) => appliesTo(c.testCase, version));
      if (cases.length === 0) continue;
      const prepared = await prepareTarget(runtime, target, { platform: options.platform, pull: options.pull });
      const info = { version, image: prepared.image.ref, digest: prepared.image.digest };
      report.versions.push({ ...info, cases: cases.length });
      options.onVersion?.(info);
      for (const loaded of cases) {
        const shared = join(work, `${version}-${loaded.name}`);
        await mkdir(shared, { recursive: true });
        const started = Date.now();
        let result: CaseResult;
        try {
          const run = imageCaseRunner(runtime, prepared, {
            shared,
            timeoutMs: options.timeoutMs,
            signal: options.signal,
          });
          const outcome = await runCase(loaded.testCase, { shared, run });
          result = {
            module: source.name,
            version,
            case: loaded.name,
            file: loaded.file,
            passed: outcome.passed,
            failures: outcome.failures,
            durationMs: Date.now() - started,
            ...(outcome.passed ? {} : { output: outcome.runs.map((r) => r.stdout + r.stderr).join('') }),
          };
        } catch (error) {
          // a case that names a command the entry lacks fails alone; the engine going away stops the run
          if (!isEError(error) || error.code === 'E_RUN_INTERRUPTED' || error.code.startsWith('E_ENGINE')) throw error;
          result = {
            module: source.name,
            version,
            case: loaded.name,
            file: loaded.file,
            passed: false,
            failures: [error.message],
            durationMs: Date.now() - started,
          };
        }
        report.results.push(result);
        if (result.passed) report.passed++;
        else report.failed++;
        options.onCase?.(result);
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return report;
}
