import { resolve } from 'node:path';
import { didYouMean, loadRepository, type Repository } from '@e/core/repository';
import {
  type Explanation,
  formatCandidates,
  formatExplanation,
  type InstallStep,
  parseInstallRequest,
  ResolutionError,
  type ResolveResult,
  resolveInstall,
} from '@e/core/resolve';
import type { ModuleRunResult, runSteps as RunSteps } from '@e/core/run';
import { type InstalledRecord, loadState, readInstalled } from '@e/core/state';
import type { GlobalOptions } from '../cli.js';
import { emit, terminalText } from '../output.js';
import { colorsFor } from '../progress.js';
import type { InstallFlags } from '../register-install.js';
import {
  ask,
  confirm,
  createPlainRenderer,
  createRunContext,
  createStepRenderer,
  formatNotice,
  formatSteps,
  parseParallel,
} from './install-shared.js';
import { formatLabels } from './repo-list.js';

export interface InstallOptions extends GlobalOptions, InstallFlags {
  spec: string;
}

/**
 * e module install: loadRepository → resolveInstall (pure) → show the steps and confirm →
 * runSteps (the only part that runs containers).
 */
export async function installCommand(options: InstallOptions): Promise<void> {
  const request = parseInstallRequest(options.spec);
  const parallel = parseParallel(options.parallel);
  const repository = await loadRepository(options.repository);
  checkPreferred(repository, options.prefer);
  const installed = readInstalled(await loadState(resolve(options.shared)));

  const prefer = [...options.prefer];
  let result = resolveWith(repository, installed, request, options, prefer);
  // two modules could meet a requirement: a person at a terminal chooses, a script must --prefer
  while (!result.ok && process.stdin.isTTY && options.output === 'text') {
    const choice = await chooseCandidate(result.explanation, repository);
    if (choice === undefined) break;
    prefer.push(choice);
    result = resolveWith(repository, installed, request, options, prefer);
  }
  // with -o json|yaml the explanation is in the error document's details
  if (!result.ok) throw unresolved(result.explanation, options);

  const { steps, chunks, notices } = result;
  const plan = {
    request: options.spec,
    steps: steps.map((s) => ({
      module: s.module,
      version: s.version,
      action: s.action,
      ...(s.installedVersion ? { installedVersion: s.installedVersion } : {}),
      requested: s.requested,
      chunk: s.chunk,
      after: s.after,
      neededBy: s.neededBy,
    })),
    chunks,
    notices,
  };
  const c = colorsFor(process.stdout);
  const planText = () =>
    [
      `Plan for ${options.spec} (${steps.length} module${steps.length === 1 ? '' : 's'}, each: pull, metadata check, init, plan, apply):`,
      ...formatSteps(steps),
      ...notices.map((n) => c.yellow(`  note: ${formatNotice(n)}`)),
    ].join('\n');
  if (options.dryRun) {
    emit(options.output, { ...plan, dryRun: true }, planText);
    return;
  }
  process.stderr.write(`${planText()}\n`);
  // on a terminal without -y: each module's init and plan are shown, then one question per module
  const asking = !options.yes;
  if (asking && !process.stdin.isTTY) {
    await confirm('', { yes: false, action: `e module install ${options.spec}` });
  }

  const { context, dispose } = await createRunContext(options, repository);
  const { runSteps } = await import('@e/core/run');
  const shown = { verbose: options.verbose };
  const renderer = asking ? createPlainRenderer(steps.length, shown) : await createStepRenderer(steps, shown);
  const events = asking ? { ...renderer.events, confirmApply: askBeforeApply } : renderer.events;
  let outcome: Awaited<ReturnType<typeof RunSteps>>;
  try {
    // questions come one at a time: an interactive install runs one module at a time
    outcome = await runSteps(context, { steps, chunks, parallel: asking ? 1 : parallel }, events);
  } finally {
    await renderer.done();
    dispose();
  }

  const influenced = outcome.outcomes.flatMap((o) => o.influenced.map((i) => ({ by: o.module, ...i })));
  const data = {
    ...plan,
    ok: outcome.ok,
    outcomes: outcome.outcomes.map((o) => ({
      module: o.module,
      version: o.version,
      ok: o.ok,
      ...(o.failedAt ? { failedAt: o.failedAt, error: o.error?.message } : {}),
      influenced: o.influenced,
    })),
    skipped: outcome.skipped,
  };
  const failed = outcome.outcomes.find((o) => !o.ok);
  emit(options.output, data, () => {
    const lines: string[] = [];
    for (const i of influenced) {
      const head =
        i.exitCode === 2
          ? c.yellow(`${i.module} is influenced by ${i.by}; its plan proposes changes (not applied):`)
          : i.exitCode === 0
            ? c.green(`${i.module} is influenced by ${i.by}; its plan shows no changes.`)
            : c.red(`${i.module} is influenced by ${i.by}; its plan failed${i.error ? `: ${i.error}` : ''}.`);
      lines.push(head);
      if (i.exitCode === 2 && i.output.trim() !== '')
        lines.push(
          ...i.output
            .trimEnd()
            .split('\n')
            .map((l) => `  ${l}`),
        );
      if (i.exitCode === 2) lines.push(`  Review it, then apply it with e apply ${i.module}.`);
    }
    const applied = outcome.outcomes.filter((o) => o.ok).map((o) => `${o.module} ${o.version}`);
    if (applied.length > 0) lines.push(c.green(`Installed: ${applied.join(', ')}.`));
    return lines.join('\n');
  });
  if (failed !== undefined) {
    const kept = outcome.outcomes.filter((o) => o.ok).map((o) => o.module);
    const error = failed.error;
    throw new ResolutionError(
      'E_INSTALL_FAILED',
      `${failed.module} ${failed.version} failed at ${failed.failedAt}: ${error?.message ?? 'unknown error'}`.replace(
        /\.?$/,
        '.',
      ),
      {
        exitCode: error?.exitCode ?? 1,
        hint: [
          `${failed.module} is marked failed in e's records`,
          kept.length > 0 ? `${kept.join(', ')} stay installed` : undefined,
          outcome.skipped.length > 0 ? `${outcome.skipped.join(', ')} were not started` : undefined,
          `fix the cause (${error?.hint ?? 'see the output above'}) and run e module install ${options.spec}${options.withDeps ? ' --with-deps' : ''} again: applied modules are kept and ${failed.module} is retried`,
        ]
          .filter(Boolean)
          .join('; '),
      },
    );
  }
}

function resolveWith(
  repository: Repository,
  installed: Record<string, InstalledRecord>,
  request: ReturnType<typeof parseInstallRequest>,
  options: InstallOptions,
  prefer: string[],
): ResolveResult {
  return resolveInstall({ repository, installed, request, options: { withDeps: options.withDeps, prefer } });
}

/**
 * On a terminal: which of the ambiguous candidates to take (each shown with its labels), or
 * undefined when there is nothing to ask. A wrong answer asks again; an empty one cancels.
 */
export async function chooseCandidate(
  explanation: Explanation,
  repository: Repository,
  prompt: (question: string) => Promise<string> = ask,
): Promise<string | undefined> {
  const reason = explanation.reasons.find((r) => r.kind === 'ambiguous');
  if (reason === undefined || reason.kind !== 'ambiguous') return undefined;
  const names = reason.candidates.map((c) => c.module);
  const lines = formatExplanation({ ...explanation, reasons: [reason], cycles: [] }).slice(1);
  const labelled = reason.candidates.map((c) => [formatCandidates([c]), labelsOf(repository, c.module, c.version)]);
  const width = Math.max(...labelled.map(([name]) => name!.length));
  process.stderr.write(
    terminalText(
      process.stderr,
      [...lines, ...labelled.map(([name, labels], i) => `  ${i + 1}. ${name!.padEnd(width)}  ${labels}`)].join('\n'),
    ),
  );
  process.stderr.write('\n');
  for (;;) {
    const answer = (await prompt(`Which one? [1-${names.length}, or a name; empty cancels]: `)).trim();
    if (answer === '') throw new ResolutionError('E_CANCELLED', 'Install cancelled: nothing was run.');
    const byNumber = /^\d+$/.test(answer) ? names[Number(answer) - 1] : undefined;
    const choice = byNumber ?? names.find((n) => n === answer);
    if (choice !== undefined) return choice;
    process.stderr.write(
      `${terminalText(process.stderr, JSON.stringify(answer))} is not one of them: answer 1-${names.length} or ${names.join(', ')}.\n`,
    );
  }
}

/** `kind=persistence,provider=ceph`, as e repo list shows labels. */
function labelsOf(repository: Repository, module: string, version: string): string {
  const entry = repository.components.find((c) => c.name === module)?.versions.find((v) => v.version === version);
  return entry === undefined ? '' : formatLabels(entry.labels);
}

function unresolved(explanation: Explanation, options: InstallOptions): ResolutionError {
  const kinds = new Set(explanation.reasons.map((r) => r.kind));
  const ambiguous = explanation.reasons.find((r) => r.kind === 'ambiguous');
  const hint = ambiguous
    ? `choose with --prefer NAME (${ambiguous.candidates.map((c) => c.module).join(' or ')})`
    : kinds.has('unmet')
      ? `install what is missing first, or run e module install ${options.spec} --with-deps to let e choose and install it`
      : kinds.has('unknown-module') || kinds.has('no-such-version')
        ? 'e repo list shows the modules and versions there are'
        : undefined;
  return new ResolutionError('E_UNRESOLVED', formatExplanation(explanation).join('\n'), {
    details: { explanation },
    ...(hint ? { hint } : {}),
  });
}

/** After a module's plan (its output is on screen): apply it? */
async function askBeforeApply(step: InstallStep, plan: ModuleRunResult): Promise<boolean> {
  const c = colorsFor(process.stderr);
  const count = (plan.proposed ?? []).reduce((n, s) => n + s.changes.length, 0);
  const summary =
    plan.exitCode === 0
      ? 'the plan proposes no changes'
      : `the plan above proposes ${count > 0 ? `${count} change(s)` : 'changes'}${plan.proposed?.length ? ` to ${plan.proposed.map((s) => s.section).join(', ')}` : ''}`;
  process.stderr.write(`${c.yellow(`${step.module} ${step.version}: ${summary}.`)}\n`);
  const answer = await ask(`Apply ${step.module} ${step.version}? Only "yes" or "y" proceeds: `);
  return /^(y|yes)$/i.test(answer.trim());
}

function checkPreferred(repository: Repository, prefer: readonly string[]): void {
  const names = repository.components.map((c) => c.name);
  for (const name of prefer) {
    if (names.includes(name)) continue;
    const guess = didYouMean(name, names);
    throw new ResolutionError(
      'E_PREFER_UNKNOWN',
      `--prefer ${name}: there is no module "${name}" in the repository${guess ? ` (did you mean "${guess}"?)` : ''}.`,
    );
  }
}
