import { resolve } from 'node:path';
import type { Repository } from '@e/core/repository';
import { formatCandidates, type InstallStep, ResolutionError, type ResolveNotice } from '@e/core/resolve';
import type { RunContext, StepEvents, StepOutcome } from '@e/core/run';
import { formatRequirement } from '@e/core/selector';
import { parseDuration } from '@e/core/state';
import { LinePrefixer, sanitizeTerminalText } from '@e/core/terminal';
import type { GlobalOptions } from '../cli.js';
import { terminalText } from '../output.js';
import { colorEnabled, colorsFor, createPullRenderer } from '../progress.js';

export interface RunFlags {
  timeout?: string;
  lockTimeout: string;
  pull: 'missing' | 'always' | 'never';
}

/** What the install-like commands need to run modules: the runtime and an abort signal for Ctrl-C. */
export async function createRunContext(
  options: GlobalOptions & RunFlags,
  repository: Repository,
): Promise<{ context: RunContext; dispose(): void }> {
  // the engine client is loaded here, by the commands that run modules (not by a --dry-run)
  const { createDockerRuntime, parsePlatform } = await import('@e/core/runtime');
  const timeoutMs = options.timeout === undefined ? undefined : parseDuration(options.timeout, '--timeout');
  if (timeoutMs !== undefined && timeoutMs <= 0) {
    throw new ResolutionError('E_DURATION_INVALID', '--timeout must be longer than 0s.');
  }
  const platform =
    options.platform !== undefined && options.platform !== ''
      ? parsePlatform(options.platform, process.env.E_PLATFORM === options.platform ? 'E_PLATFORM' : '--platform')
      : undefined;
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(signal === 'SIGINT' ? 130 : 143);
    process.stderr.write(`e: ${signal}: stopping the running module and its container...\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const context: RunContext = {
    runtime: await createDockerRuntime(),
    repository,
    shared: resolve(options.shared),
    platform,
    pull: options.pull,
    timeoutMs,
    lockTimeoutMs: parseDuration(options.lockTimeout, '--lock-timeout'),
    signal: controller.signal,
    by: ['e', ...process.argv.slice(2)].join(' '),
  };
  return {
    context,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** `--parallel N`: 1 to 64. */
export function parseParallel(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 64) {
    throw new ResolutionError('E_PARALLEL_INVALID', `--parallel must be a whole number from 1 to 64, not "${text}".`);
  }
  return n;
}

/** Asks on a terminal; refuses without -y when nobody can answer (as e apply does). */
export async function confirm(question: string, options: { yes: boolean; action: string }): Promise<void> {
  if (options.yes) return;
  if (!process.stdin.isTTY) {
    throw new ResolutionError(
      'E_CONFIRM_NEEDED',
      `${options.action} needs confirmation, but stdin is not a terminal.`,
      {
        hint: 'Pass -y (--yes) to proceed without asking.',
      },
    );
  }
  const answer = await ask(`${question} Only "yes" or "y" proceeds: `);
  if (!/^(y|yes)$/i.test(answer.trim())) {
    throw new ResolutionError('E_CANCELLED', `${options.action} cancelled: nothing was run.`);
  }
}

export async function ask(question: string): Promise<string> {
  // loaded when e asks: a run with -y or --dry-run never does
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

const ACTION_TEXT: Record<InstallStep['action'], string> = {
  install: 'install',
  upgrade: 'upgrade',
  retry: 'retry',
  reapply: 'apply again',
};

/** The plan as numbered lines: what, why, and after what. */
export function formatSteps(steps: readonly InstallStep[]): string[] {
  return steps.map((step, i) => {
    const from = step.installedVersion && step.action === 'upgrade' ? ` (from ${step.installedVersion})` : '';
    const why =
      step.neededBy.length > 0
        ? `needed by ${step.neededBy.map((n) => `${n.module} (${formatRequirement(n.requirement)})`).join(', ')}`
        : step.requested
          ? 'requested'
          : '';
    return `  ${i + 1}. ${ACTION_TEXT[step.action]} ${step.module} ${step.version}${from}${why ? ` — ${why}` : ''}`;
  });
}

export function formatNotice(notice: ResolveNotice): string {
  switch (notice.kind) {
    case 'missing-weak':
      return `${notice.module} ${notice.version} works better with ${formatRequirement(notice.requirement)}, which is not installed${
        notice.candidates.length > 0 ? ` (optional; candidates: ${formatCandidates(notice.candidates)})` : ''
      }.`;
    case 'weak-order-dropped':
      return `${notice.module} would rather come after ${notice.companion}, but ${notice.companion} needs it first; the strong order wins.`;
    case 'influences':
      return `after ${notice.module} ${notice.version} is applied, ${notice.influenced.join(', ')} will need a plan (shown, never applied).`;
  }
}

/** Renders a run of steps: a task list on a terminal, plain prefixed lines elsewhere. */
export interface StepRenderer {
  events: StepEvents;
  /** Waits for the task list to finish drawing (a no-op for plain output). */
  done(): Promise<void>;
}

export interface RendererOptions {
  /** Print each module's metadata too (plain output prints it only when its check fails). */
  verbose?: boolean;
}

export async function createStepRenderer(
  steps: readonly InstallStep[],
  options: RendererOptions = {},
): Promise<StepRenderer> {
  if (process.stderr.isTTY && process.env.TERM !== 'dumb') return createTaskList(steps);
  return createPlainRenderer(steps.length, options);
}

/**
 * Plain prefixed lines: every line of module output stays on screen, but for the metadata e
 * checks against the repository (a whole YAML document per module), which is printed with
 * --verbose, or when the check fails.
 */
export function createPlainRenderer(total: number, options: RendererOptions = {}): StepRenderer {
  const out = process.stderr;
  const c = colorsFor(out);
  const pull = createPullRenderer(out);
  const prefixers = new Map<string, LinePrefixer>();
  const prefixer = (module: string, stream: string) => {
    const key = `${module}\0${stream}`;
    let p = prefixers.get(key);
    if (p === undefined) {
      p = new LinePrefixer(c.dim(`${module} | `), { color: colorEnabled(out) });
      prefixers.set(key, p);
    }
    return p;
  };
  const flush = () => {
    for (const p of prefixers.values()) out.write(p.flush());
  };
  /** The command each module runs, and the metadata it printed while it is not shown. */
  const running = new Map<string, string>();
  const metadata = new Map<string, Buffer[]>();
  let n = 0;
  return {
    events: {
      stepStart: (step) => out.write(`${c.bold(`==> [${++n}/${total}] ${step.module} ${step.version}`)}\n`),
      stepEnd: (step, outcome) => {
        const held = metadata.get(step.module);
        if (!outcome.ok && outcome.failedAt === 'metadata' && held !== undefined) {
          for (const chunk of held) out.write(prefixer(step.module, 'stdout').push(chunk));
        }
        metadata.delete(step.module);
        flush();
        out.write(
          outcome.ok
            ? `${c.green(`==> ${step.module} ${step.version} applied`)}\n`
            : `${c.red(`==> ${step.module} ${step.version} failed at ${outcome.failedAt}`)}\n`,
        );
      },
      stepSkipped: (step) => out.write(`${c.dim(`==> ${step.module} ${step.version} not started`)}\n`),
      command: (module, command) => {
        flush();
        running.set(module, command);
        metadata.delete(module);
        const hidden = command === 'metadata' && !options.verbose;
        out.write(`--> ${module} ${command}${hidden ? c.dim(' (checked, not shown: --verbose shows it)') : ''}\n`);
      },
      notice: (message) => out.write(`${c.yellow('e:')} ${terminalText(out, message)}\n`),
      pullStart: (ref, platform) => pull.pullStart(ref, platform),
      pullProgress: (event) => pull.pullProgress(event),
      pullEnd: (ref) => pull.pullEnd(ref),
      output: (module, stream, chunk) => {
        if (!options.verbose && stream === 'stdout' && running.get(module) === 'metadata') {
          metadata.set(module, [...(metadata.get(module) ?? []), chunk]);
          return;
        }
        out.write(prefixer(module, stream).push(chunk));
      },
      influencedPlan: (by, result) => {
        flush();
        const changes = result.exitCode === 2 ? 'changes proposed (not applied)' : 'no changes';
        out.write(`${c.yellow(`--> ${result.module} plan after ${by}: ${changes}`)}\n`);
      },
    },
    done: async () => flush(),
  };
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/**
 * listr2 draws one task per module; runSteps drives them through events, so the order and
 * parallelism stay runSteps' own. Each task waits for its step to start and to end.
 */
async function createTaskList(steps: readonly InstallStep[]): Promise<StepRenderer> {
  const { Listr } = await import('listr2');
  type Task = { title: string | undefined; output: string | undefined; skip(message?: string): void };
  const state = new Map<
    string,
    { started: Deferred; ended: Deferred; task?: Task; outcome?: StepOutcome; skipped?: boolean; line?: string }
  >();
  for (const step of steps) state.set(step.module, { started: deferred(), ended: deferred() });
  const list = new Listr(
    steps.map((step) => ({
      title: `${step.module} ${step.version}: waiting`,
      task: async (_ctx: unknown, task: Task) => {
        const s = state.get(step.module)!;
        await s.started.promise;
        if (s.skipped) {
          task.skip(`${step.module} ${step.version}: not started`);
          return;
        }
        s.task = task;
        await s.ended.promise;
        if (!s.outcome?.ok) throw new Error(`${step.module} ${step.version}: failed at ${s.outcome?.failedAt}`);
        const influenced = s.outcome.influenced
          .map(
            (i) =>
              `${i.module} ${i.exitCode === 2 ? 'has changes to apply' : i.exitCode === 0 ? 'unchanged' : 'plan failed'}`,
          )
          .join(', ');
        task.title = `${step.module} ${step.version}: applied${influenced ? ` (${influenced})` : ''}`;
      },
    })),
    {
      concurrent: true,
      exitOnError: false,
      // listr2's own handler would exit at once (127), skipping e's clean-up: e handles Ctrl-C itself
      registerSignalListeners: false,
      rendererOptions: { collapseErrors: false, removeEmptyLines: true },
      renderer: 'default',
    },
  );
  const running = list.run().catch(() => undefined);
  const title = (module: string, text: string) => {
    const s = state.get(module);
    const step = steps.find((x) => x.module === module);
    if (s?.task && step) s.task.title = `${step.module} ${step.version}: ${text}`;
  };
  const lastLine = new Map<string, string>();
  return {
    events: {
      stepStart: (step) => state.get(step.module)?.started.resolve(),
      stepEnd: (step, outcome) => {
        const s = state.get(step.module)!;
        s.outcome = outcome;
        s.ended.resolve();
      },
      stepSkipped: (step) => {
        const s = state.get(step.module)!;
        s.skipped = true;
        s.started.resolve();
      },
      command: (module, command) => title(module, command),
      notice: (message) => {
        const text = sanitizeTerminalText(message, { color: false });
        for (const s of state.values()) if (s.task && !s.outcome) s.task.output = `e: ${text}`;
      },
      pullStart: (ref) => {
        for (const s of state.values()) if (s.task && !s.outcome) s.task.output = `pulling ${ref}`;
      },
      output: (module, _stream, chunk) => {
        const text = `${lastLine.get(module) ?? ''}${chunk.toString('utf8')}`;
        const lines = text.split('\n');
        lastLine.set(module, lines.pop() ?? '');
        // whole lines only, so a sequence split across chunks is still recognised and removed
        const shown = lines
          .map((l) => sanitizeTerminalText(l, { color: false }))
          .filter((l) => l.trim() !== '')
          .at(-1);
        const owner = state.get(module);
        const target = owner?.task ? owner : [...state.values()].find((s) => s.task && !s.outcome);
        if (shown !== undefined && target?.task) target.task.output = `${module} | ${shown}`;
      },
    },
    done: async () => {
      for (const s of state.values()) {
        s.started.resolve();
        s.ended.resolve();
      }
      await running;
    },
  };
}
