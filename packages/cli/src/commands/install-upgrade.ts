import { resolve } from 'node:path';
import { loadRepository } from '@e/core/repository';
import {
  formatExplanation,
  newerVersions,
  parseInstallRequest,
  ResolutionError,
  resolveInstall,
} from '@e/core/resolve';
import { installStep } from '@e/core/run';
import { loadState, readInstalled } from '@e/core/state';
import type { GlobalOptions } from '../cli.js';
import { emit } from '../output.js';
import type { UpgradeFlags } from '../register-install.js';
import { confirm, createRunContext, createStepRenderer } from './install-shared.js';

export interface UpgradeOptions extends GlobalOptions, UpgradeFlags {
  module: string;
  version?: string;
}

/** e module upgrade: the new version's audit first (drift stops it unless --force), then init/plan/apply. */
export async function upgradeCommand(options: UpgradeOptions): Promise<void> {
  const request = parseInstallRequest(options.version ? `${options.module}@${options.version}` : options.module);
  const repository = await loadRepository(options.repository);
  const installed = readInstalled(await loadState(resolve(options.shared)));
  const previous = installed[request.name];
  if (previous === undefined) {
    throw new ResolutionError('E_NOT_INSTALLED', `${request.name} is not installed, so there is nothing to upgrade.`, {
      hint: `Install it with e module install ${request.name}.`,
    });
  }
  const result = resolveInstall({ repository, installed, request, options: { upgrade: true } });
  if (!result.ok) {
    throw new ResolutionError(
      'E_UNRESOLVED',
      formatExplanation(result.explanation).join('\n').replace('cannot install', 'cannot upgrade to'),
      {
        hint: 'install what the new version needs first (e module install NAME --with-deps)',
      },
    );
  }
  const step = result.steps[0]!;
  if (step.action !== 'upgrade') {
    // status's NEWER column lists the same versions: say how to get to them
    const newer = newerVersions(repository, step.module, previous.version);
    emit(options.output, { module: step.module, version: step.version, upgraded: false, newerVersions: newer }, () =>
      newer.length === 0
        ? `${step.module} is already at ${step.version}, the highest version; nothing to upgrade.`
        : `${step.module} is already at ${step.version}; newer: ${newer.join(', ')} (pre-releases and versions the constraints rule out are not chosen by themselves): e module upgrade ${step.module} ${newer[0]}.`,
    );
    return;
  }
  const latest = repository.components.find((c) => c.name === step.module)?.versions.find((v) => v.latest);
  if (options.version === undefined && latest !== undefined && latest.version !== step.version) {
    process.stderr.write(
      `e: ${step.module}'s latest is ${latest.version}, but an upgrade moves to the highest stable version the requirements allow, ${step.version}; name a version to choose another (e module upgrade ${step.module} VERSION).\n`,
    );
  }
  await confirm(`Upgrade ${step.module} from ${previous.version} to ${step.version} (audit, init, plan, apply)?`, {
    yes: options.yes,
    action: `e module upgrade ${step.module}`,
  });
  const { context, dispose } = await createRunContext(options, repository);
  const renderer = await createStepRenderer([step], { verbose: options.verbose });
  let outcome: Awaited<ReturnType<typeof installStep>>;
  try {
    renderer.events.stepStart?.(step);
    outcome = await installStep(context, step, renderer.events, { force: options.force });
    renderer.events.stepEnd?.(step, outcome);
  } finally {
    await renderer.done();
    dispose();
  }
  if (!outcome.ok) {
    const error = outcome.error;
    throw new ResolutionError(
      error?.code ?? 'E_UPGRADE_FAILED',
      `Upgrade of ${step.module} to ${step.version} stopped at ${outcome.failedAt}: ${error?.message ?? 'unknown error'}`,
      {
        exitCode: error?.exitCode ?? 1,
        hint:
          outcome.failedAt === 'audit' || outcome.failedAt === 'metadata'
            ? `${step.module} ${previous.version} stays installed as it was. ${error?.hint ?? ''}`.trim()
            : `${step.module} is marked failed; fix the cause and run e module upgrade ${step.module} ${step.version} again.`,
      },
    );
  }
  emit(
    options.output,
    {
      module: step.module,
      from: previous.version,
      version: step.version,
      upgraded: true,
      influenced: outcome.influenced,
    },
    () => `Upgraded ${step.module} from ${previous.version} to ${step.version}.`,
  );
}
