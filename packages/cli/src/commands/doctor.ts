import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { EError, isEError } from '@e/core/errors';
import type { Repository } from '@e/core/repository';
import type { ContainerRuntime, Platform } from '@e/core/runtime';
import type { GlobalOptions } from '../cli.js';
import { configFileProblem, configFileUsed } from '../e-config-options.js';
import { emit, terminalText } from '../output.js';

export interface DoctorOptions extends GlobalOptions {
  engine?: string;
}

/** One line of `e doctor`: what was checked, what was found, and how to fix it when it is not right. */
export interface DoctorCheck {
  check: 'e.yml' | 'repository' | 'engine' | 'emulation' | 'registry' | 'state' | 'lock';
  /** `fail` stops e from working (exit 1); `warn` limits it. */
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string;
}

const OTHER_ARCHITECTURE: Readonly<Record<string, { arch: string; binfmt: string }>> = {
  amd64: { arch: 'arm64', binfmt: 'qemu-aarch64' },
  arm64: { arch: 'amd64', binfmt: 'qemu-x86_64' },
};

/**
 * `e doctor`: the engine (local or remote, its platform, emulation of the other architecture),
 * the registries of the repository's images, the state backend and its lock, and e.yml; one line
 * per check, with a fix for each that is not right; exit 1 when something e needs fails.
 */
export async function doctorCommand(options: DoctorOptions): Promise<void> {
  const checks: DoctorCheck[] = [];
  checks.push(configCheck());
  const repository = await repositoryCheck(options.repository, checks);
  const runtime = await engineCheck(checks);
  if (runtime !== undefined) {
    const platform = await runtime.runtime.enginePlatform();
    checks.push(await emulationCheck(runtime.runtime, platform));
    if (repository !== undefined) checks.push(...(await registryChecks(runtime.runtime, repository)));
  }
  checks.push(...(await stateChecks(options)));
  const failed = checks.filter((c) => c.status === 'fail');
  emit(options.output, { ok: failed.length === 0, checks }, () => renderChecks(checks));
  if (failed.length > 0) {
    throw new EError(
      'E_DOCTOR_FAILED',
      `${failed.length} of e doctor's checks failed: ${failed.map((c) => c.check).join(', ')}.`,
      { hint: 'Each failing line says how to fix it.', exitCode: 1 },
    );
  }
}

function renderChecks(checks: readonly DoctorCheck[]): string {
  const width = Math.max(...checks.map((c) => c.check.length));
  return checks
    .map((c) => {
      const line = `${c.status.padEnd(4)}  ${c.check.padEnd(width)}  ${c.detail}`;
      return c.fix === undefined ? line : `${line}; fix: ${c.fix}`;
    })
    .map((line) => terminalText(process.stdout, line))
    .join('\n');
}

function configCheck(): DoctorCheck {
  const problem = configFileProblem();
  if (problem !== undefined) {
    return {
      check: 'e.yml',
      status: 'fail',
      detail: problem.message.replace(/\.$/, ''),
      fix: problem.hint ?? 'fix e.yml',
    };
  }
  const file = configFileUsed();
  return file === undefined
    ? { check: 'e.yml', status: 'ok', detail: 'none next to the repository file: flags, environment and defaults only' }
    : { check: 'e.yml', status: 'ok', detail: `${file} is valid` };
}

async function repositoryCheck(source: string, checks: DoctorCheck[]): Promise<Repository | undefined> {
  try {
    const { loadRepository } = await import('@e/core/repository');
    const repository = await loadRepository(source);
    checks.push({
      check: 'repository',
      status: 'ok',
      detail: `${source}: ${repository.components.length} modules`,
    });
    return repository;
  } catch (error) {
    checks.push(failure('repository', error, 'fix the repository file (e repo validate shows every problem)'));
    return undefined;
  }
}

async function engineCheck(checks: DoctorCheck[]): Promise<{ runtime: ContainerRuntime } | undefined> {
  const { createDockerRuntime, formatPlatform } = await import('@e/core/runtime');
  const runtime = await createDockerRuntime();
  try {
    const platform = await runtime.enginePlatform();
    const where = runtime.remote
      ? `remote at ${runtime.endpoint} (the shared directory travels to it as a tar for each run)`
      : `local at ${runtime.endpoint}`;
    checks.push({ check: 'engine', status: 'ok', detail: `${where}, ${formatPlatform(platform)}` });
    return { runtime };
  } catch (error) {
    checks.push(
      failure(
        'engine',
        error,
        'start Docker (make setup does on the test bed), or point --engine or DOCKER_HOST at one',
      ),
    );
    return undefined;
  }
}

/** Whether the engine can run the other architecture's images: binfmt_misc's qemu entry, for a local engine. */
async function emulationCheck(runtime: ContainerRuntime, platform: Platform): Promise<DoctorCheck> {
  const other = OTHER_ARCHITECTURE[platform.architecture];
  if (other === undefined) {
    return { check: 'emulation', status: 'warn', detail: `e knows no emulator for ${platform.architecture} engines` };
  }
  const tryIt = `e module init hello --platform linux/${other.arch}`;
  if (runtime.remote) {
    return {
      check: 'emulation',
      status: 'warn',
      detail: `linux/${other.arch} on the remote engine is unknown from here (its binfmt_misc is on its host)`,
      fix: `${tryIt} shows whether it runs`,
    };
  }
  const entry = await readFile(`/proc/sys/fs/binfmt_misc/${other.binfmt}`, 'utf8').catch(() => undefined);
  if (entry?.split('\n')[0] === 'enabled') {
    const fixed = /^flags: .*F/m.test(entry);
    return fixed
      ? {
          check: 'emulation',
          status: 'ok',
          detail: `linux/${other.arch} images run under ${other.binfmt} (binfmt_misc)`,
        }
      : {
          check: 'emulation',
          status: 'warn',
          detail: `${other.binfmt} is registered without the F flag, so containers cannot use it`,
          fix: 'register it again with the F flag (make setup does)',
        };
  }
  return {
    check: 'emulation',
    status: 'warn',
    detail: `linux/${other.arch} images cannot run: no ${other.binfmt} in binfmt_misc`,
    fix: 'install qemu-user-static and register it (make setup does), or run only on the engine platform',
  };
}

/** One check per registry the repository's images live in, reading one image's manifest there. */
async function registryChecks(runtime: ContainerRuntime, repository: Repository): Promise<DoctorCheck[]> {
  const byRegistry = new Map<string, { ref: string; count: number }>();
  for (const component of repository.components) {
    for (const version of component.versions) {
      for (const ref of [version.image, ...Object.values(version.images ?? {})]) {
        if (ref === undefined) continue;
        const registry = registryOf(ref);
        const seen = byRegistry.get(registry);
        if (seen === undefined) byRegistry.set(registry, { ref, count: 1 });
        else seen.count++;
      }
    }
  }
  const checks: DoctorCheck[] = [];
  for (const [registry, { ref, count }] of byRegistry) {
    try {
      const image = await runtime.registryImage(ref);
      const platforms = image.platforms.map((p) => `${p.os}/${p.architecture}`).join(', ') || 'its platform';
      checks.push({
        check: 'registry',
        status: 'ok',
        detail: `${registry} answers (${count} image reference${count === 1 ? '' : 's'}; ${ref} has ${platforms})`,
      });
    } catch (error) {
      checks.push(
        failure(
          'registry',
          error,
          `make sure ${registry} runs and the engine can reach it (make setup starts the local one), or check the images in the repository file`,
          `${registry} (${ref}): `,
        ),
      );
    }
  }
  return checks;
}

function registryOf(ref: string): string {
  const first = ref.split('/')[0] ?? '';
  return ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')
    ? first
    : 'docker.io';
}

async function stateChecks(options: DoctorOptions): Promise<DoctorCheck[]> {
  const url = options.state ?? (process.env.E_STATE_URL || undefined);
  if (url !== undefined) return backendChecks(url, options.env);
  const shared = resolve(options.shared);
  const checks: DoctorCheck[] = [];
  const existing = await stat(shared).catch(() => undefined);
  const writable = async (path: string) =>
    access(path, constants.W_OK).then(
      () => true,
      () => false,
    );
  if (existing !== undefined && !existing.isDirectory()) {
    checks.push({
      check: 'state',
      status: 'fail',
      detail: `${shared} is not a directory`,
      fix: 'point -s at a directory',
    });
    return checks;
  }
  const where = existing === undefined ? dirname(shared) : shared;
  if (!(await writable(where))) {
    checks.push({
      check: 'state',
      status: 'fail',
      detail: `${where} is not writable`,
      fix: 'give e write access, or choose another shared directory with -s',
    });
    return checks;
  }
  checks.push({
    check: 'state',
    status: 'ok',
    detail:
      existing === undefined
        ? `local directory ${shared} (not there yet; the first run creates it)`
        : `local directory ${shared}, writable`,
  });
  const { describeHolder, holderLiveness, readStateLock } = await import('@e/core/state');
  const holder = existing === undefined ? undefined : await readStateLock(shared);
  if (holder === undefined) checks.push({ check: 'lock', status: 'ok', detail: 'free' });
  else {
    const liveness = holderLiveness(holder);
    checks.push(
      liveness === 'dead'
        ? {
            check: 'lock',
            status: 'warn',
            detail: `held by ${describeHolder(holder)}, which is no longer running`,
            fix: 'e state unlock removes it (the next run also does)',
          }
        : {
            check: 'lock',
            status: 'ok',
            detail: `held by ${describeHolder(holder)} (${liveness === 'alive' ? 'running' : 'on another host'})`,
          },
    );
  }
  return checks;
}

async function backendChecks(url: string, env: string): Promise<DoctorCheck[]> {
  try {
    const { openStateBackend } = await import('../state-backend.js');
    const backend = await openStateBackend(url, env);
    const holder = await backend.holder();
    const { describeHolder } = await import('@e/core/state');
    return [
      { check: 'state', status: 'ok', detail: `${backend.label} answers` },
      holder === undefined
        ? { check: 'lock', status: 'ok', detail: 'free' }
        : { check: 'lock', status: 'ok', detail: `held by ${describeHolder(holder)}` },
    ];
  } catch (error) {
    return [
      failure('state', error, 'check --state (or E_STATE_URL, or state: in e.yml) and that PostgreSQL answers there'),
    ];
  }
}

function failure(check: DoctorCheck['check'], error: unknown, fix: string, prefix = ''): DoctorCheck {
  const message = isEError(error) ? error.message : (error as Error).message;
  return { check, status: 'fail', detail: `${prefix}${message.replace(/\.$/, '')}`, fix };
}
