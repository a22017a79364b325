import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { loadRepository } from '@e/core/repository';
import {
  createDockerRuntime,
  isEError,
  LinePrefixer,
  type ModuleRunResult,
  PLAN_FORMAT,
  parseModuleSpec,
  parsePlatform,
  RuntimeError,
  readPlanFile,
  runModuleCommand,
  type SavedPlan,
  writePlanFile,
} from '@e/core/runtime';
import { parseDuration } from '@e/core/state';
import { sanitizeTerminalText } from '@e/core/terminal';
import type { GlobalOptions } from '../cli.js';
import { emit, terminalText } from '../output.js';
import { colorEnabled, colorsFor, createPullRenderer } from '../progress.js';
import { renderStateDiff } from './run-output.js';

export interface ModuleCommandOptions extends GlobalOptions {
  /** `kafka` or `kafka@0.1.0`; optional only for `apply --plan`. */
  spec: string | undefined;
  /** The repository command name: init, plan, apply, audit or an optional one. */
  command: string;
  extraArgs: string[];
  timeout?: string;
  lockTimeout: string;
  pull: 'missing' | 'always' | 'never';
  detailedExitcode: boolean;
  out?: string;
  plan?: string;
  yes: boolean;
}

/** e init|plan|apply|audit MODULE, e module run MODULE COMMAND: one guarded module run. */
export async function moduleCommand(options: ModuleCommandOptions): Promise<void> {
  const timeoutMs =
    options.timeout === undefined ? undefined : positive(parseDuration(options.timeout, '--timeout'), '--timeout');
  const lockTimeoutMs = parseDuration(options.lockTimeout, '--lock-timeout');
  const plan = options.plan === undefined ? undefined : await readPlanFile(options.plan);
  const target = targetOf(options, plan);
  const platform =
    options.platform !== undefined && options.platform !== ''
      ? parsePlatform(options.platform, process.env.E_PLATFORM === options.platform ? 'E_PLATFORM' : '--platform')
      : plan !== undefined
        ? parsePlatform(plan.platform)
        : undefined;
  const asking = options.command === 'apply' && !options.yes;
  if (asking) refuseWithoutTerminal(target.module);

  // ask the engine while dockerode and the repository load; errors surface when the run needs the answer
  const runtime = await createDockerRuntime({ askInfoEarly: platform === undefined });
  if (platform === undefined) runtime.enginePlatform().catch(() => undefined);
  const repository = await loadRepository(options.repository);
  const shared = resolve(options.shared);
  const structured = options.output !== 'text';
  // with -o json|yaml, stdout carries only the result: module output goes to stderr
  const sinks = { stdout: structured ? process.stderr : process.stdout, stderr: process.stderr };
  const colors = colorsFor(process.stderr);
  const pullRenderer = createPullRenderer(process.stderr);
  const run = async (command: string, extra: { dryRun?: boolean; plan?: SavedPlan } = {}) => {
    // module output is stripped of terminal control sequences line by line (colours kept on a terminal)
    const prefixers = {
      stdout: new LinePrefixer(colorsFor(sinks.stdout).dim(`${target.module} | `), {
        color: colorEnabled(sinks.stdout),
      }),
      stderr: new LinePrefixer(colors.dim(`${target.module} | `), { color: colorEnabled(sinks.stderr) }),
    };
    const text = new OutputText(MAX_PLAN_TEXT);
    const interrupt = new InterruptHandler();
    try {
      const result = await runModuleCommand(
        runtime,
        {
          repository,
          shared,
          module: target.module,
          version: target.version,
          command,
          extraArgs: command === options.command ? options.extraArgs : [],
          platform,
          timeoutMs,
          lockTimeoutMs,
          pull: options.pull,
          signal: interrupt.signal,
          by: ['e', ...process.argv.slice(2)].join(' '),
          ...extra,
        },
        {
          notice: (message) =>
            process.stderr.write(`${colors.yellow('e:')} ${terminalText(process.stderr, message)}\n`),
          pullStart: (ref, p) => pullRenderer.pullStart(ref, p),
          pullProgress: (event) => pullRenderer.pullProgress(event),
          pullEnd: (ref) => pullRenderer.pullEnd(ref),
          phase: (phase) => interrupt.setPhase(phase),
          output: (stream, chunk) => {
            if (stream === 'stdout') text.push(chunk);
            return write(sinks[stream], prefixers[stream].push(chunk));
          },
        },
      );
      return { result, text: text.text() };
    } catch (error) {
      throw interrupt.received === 'SIGTERM' && isEError(error) && error.code === 'E_RUN_INTERRUPTED'
        ? new RuntimeError(error.code, error.message, { hint: error.hint, exitCode: 143 })
        : error;
    } finally {
      interrupt.dispose();
      for (const stream of ['stdout', 'stderr'] as const) sinks[stream].write(prefixers[stream].flush());
    }
  };
  if (asking) {
    // as terraform: see what apply would do (a plan in a staging copy: nothing live changes), then say yes
    const preview = plan === undefined ? await run('plan', { dryRun: true }) : undefined;
    if (preview !== undefined && preview.result.exitCode !== 0 && preview.result.exitCode !== 2) {
      throw new RuntimeError(
        'E_PLAN_FAILED',
        `${target.module} ${preview.result.version} plan failed with exit code ${preview.result.exitCode}, so nothing was applied.`,
        { hint: 'Its output is above.' },
      );
    }
    if (preview !== undefined) process.stderr.write(`${describeProposal(preview.result, colors)}\n`);
    await confirmApply(target.module, options, preview?.result);
  }
  const { result, text } = await run(options.command, { plan });
  if (options.out !== undefined && options.command === 'plan' && (result.exitCode === 0 || result.exitCode === 2)) {
    await writePlanFile(options.out, savedPlan(result, text));
  }
  report(options, result, text);
}

/** Keeps the first `limit` bytes of a module's stdout: its plan text, for structured plans. */
class OutputText {
  readonly #chunks: Buffer[] = [];
  #size = 0;
  #cut = false;

  constructor(readonly limit: number) {}

  push(chunk: Buffer): void {
    if (this.#size >= this.limit) {
      this.#cut = true;
      return;
    }
    this.#chunks.push(chunk.subarray(0, this.limit - this.#size));
    this.#size += Math.min(chunk.length, this.limit - this.#size);
    if (chunk.length > this.limit) this.#cut = true;
  }

  text(): string {
    const text = sanitizeTerminalText(Buffer.concat(this.#chunks).toString('utf8'), { color: false });
    return this.#cut ? `${text}\n[… cut at ${this.limit} bytes]\n` : text;
  }
}

const MAX_PLAN_TEXT = 1024 * 1024;

/** The summary printed before the question: how many changes, in which sections. */
function describeProposal(result: ModuleRunResult, c: ReturnType<typeof colorsFor>): string {
  const label = `${result.module} ${result.version}`;
  if (result.exitCode === 0) return c.green(`${label}: the plan proposes no changes.`);
  const sections = result.proposed ?? [];
  const count = sections.reduce((n, s) => n + s.changes.length, 0);
  const where = sections.length > 0 ? ` to ${sections.map((s) => s.section).join(', ')}` : '';
  return c.yellow(`${label}: the plan above proposes ${count > 0 ? `${count} change(s)` : 'changes'}${where}.`);
}

function targetOf(options: ModuleCommandOptions, plan: SavedPlan | undefined): { module: string; version?: string } {
  if (plan === undefined) {
    if (options.spec === undefined) {
      throw new RuntimeError('E_USAGE', `e ${options.command} needs a module name.`, {
        hint: `e.g. e ${options.command} kafka`,
      });
    }
    return parseModuleSpec(options.spec);
  }
  if (options.spec !== undefined) {
    const asked = parseModuleSpec(options.spec);
    if (asked.module !== plan.module || (asked.version !== undefined && asked.version !== plan.version)) {
      throw new RuntimeError(
        'E_PLAN_MISMATCH',
        `The plan ${options.plan} is for ${plan.module} ${plan.version}, not ${options.spec}.`,
      );
    }
  }
  return { module: plan.module, version: plan.version };
}

function positive(ms: number, option: string): number {
  if (ms <= 0) throw new RuntimeError('E_DURATION_INVALID', `${option} must be longer than 0s.`);
  return ms;
}

/** apply changes real things: without a terminal nobody can answer, so -y is needed. */
function refuseWithoutTerminal(module: string): void {
  if (!process.stdin.isTTY) {
    throw new RuntimeError('E_CONFIRM_NEEDED', `e apply ${module} needs confirmation, but stdin is not a terminal.`, {
      hint: 'Pass -y (--yes) to apply without asking.',
    });
  }
}

/** Asks after the plan was shown; only "yes" or "y" proceeds. */
async function confirmApply(module: string, options: ModuleCommandOptions, preview?: ModuleRunResult): Promise<void> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const what = options.plan ? `the saved plan ${options.plan}` : `${module}${preview ? ` ${preview.version}` : ''}`;
    const answer = await rl.question(
      `Apply ${what} to the shared directory ${resolve(options.shared)}? Only "yes" or "y" proceeds: `,
    );
    if (!/^(y|yes)$/i.test(answer.trim())) {
      throw new RuntimeError('E_APPLY_CANCELLED', 'Apply cancelled: nothing was applied.', { exitCode: 1 });
    }
  } finally {
    rl.close();
  }
}

function savedPlan(result: ModuleRunResult, text: string): SavedPlan {
  return {
    format: PLAN_FORMAT,
    createdAt: new Date().toISOString(),
    module: result.module,
    version: result.version,
    platform: result.platform,
    image: { ref: result.image.ref, id: result.image.id, digest: result.image.digest },
    stateSha256: result.stateSha256,
    configSha256: result.configSha256,
    exitCode: result.exitCode,
    text,
    proposed: result.proposed ?? [],
  };
}

/** Prints the outcome and sets the exit code: plan 0/2 (with --detailed-exitcode), audit 3, else 0 or 1. */
function report(options: ModuleCommandOptions, result: ModuleRunResult, text: string): void {
  const { module, command, exitCode } = result;
  const label = `${module} ${result.version} ${command}`;
  const planOk = command === 'plan' && (exitCode === 0 || exitCode === 2);
  const auditOk = command === 'audit' && (exitCode === 0 || exitCode === 3);
  if (!(exitCode === 0 || planOk || auditOk)) {
    throw new RuntimeError(
      'E_MODULE_FAILED',
      `${label} failed with exit code ${exitCode}${result.changedSections.length > 0 ? `; its changes to ${result.changedSections.join(', ')} were kept` : '; state.yml is unchanged'}.`,
      {
        hint: `Its output is above; e state history ${result.historySeq} shows the run.`,
      },
    );
  }
  const data = {
    module,
    version: result.version,
    command,
    exitCode,
    platform: result.platform,
    image: result.image,
    durationMs: result.durationMs,
    history: result.historySeq,
    changedSections: result.changedSections,
    diff: result.diff,
    ...(command === 'plan' ? { plan: { text, proposed: result.proposed ?? [], exitCode } } : {}),
    ...(options.out !== undefined && command === 'plan' ? { planFile: options.out } : {}),
  };
  const c = colorsFor(process.stdout);
  emit(options.output, data, () => {
    const lines: string[] = [];
    if (command === 'plan')
      lines.push(exitCode === 2 ? c.yellow(`${label}: changes proposed.`) : c.green(`${label}: no changes.`));
    else if (command === 'audit')
      lines.push(exitCode === 3 ? c.yellow(`${label}: drift found (exit 3).`) : c.green(`${label}: clean.`));
    else lines.push(c.green(`${label}: done.`));
    if (command === 'apply' || result.diff !== '') {
      lines.push(result.diff === '' ? 'state.yml is unchanged.' : renderStateDiff(result.diff, c));
    }
    if (options.out !== undefined && command === 'plan')
      lines.push(`Saved the plan to ${options.out}; apply exactly it with e apply --plan ${options.out}.`);
    return lines.join('\n');
  });
  if (command === 'plan') process.exitCode = options.detailedExitcode ? exitCode : 0;
  else if (command === 'audit') process.exitCode = exitCode;
}

/** Writes and, when the stream is full, waits for it to drain: a chatty module cannot grow memory. */
function write(stream: NodeJS.WriteStream, text: string): Promise<void> | undefined {
  if (text === '' || stream.write(text)) return undefined;
  return new Promise((resolveDrain) => stream.once('drain', () => resolveDrain()));
}

/**
 * Ctrl-C / SIGTERM: while a container runs, stop and remove it (e then restores or keeps the state
 * and records the run); before that, nothing was started, so just exit. A second signal exits at once.
 */
class InterruptHandler {
  readonly #controller = new AbortController();
  #phase: 'preparing' | 'running' | 'settling' = 'preparing';
  /** The first signal received, if any. */
  received: NodeJS.Signals | undefined;
  readonly #onSignal = (signal: NodeJS.Signals) => {
    this.received ??= signal;
    const code = signal === 'SIGINT' ? 130 : 143;
    if (this.#controller.signal.aborted || this.#phase === 'preparing') {
      process.stderr.write(`e: ${signal}: stopped.\n`);
      process.exit(code);
    }
    if (this.#phase === 'running') {
      process.stderr.write(`e: ${signal}: stopping and removing the container...\n`);
      this.#controller.abort();
    }
  };

  constructor() {
    process.on('SIGINT', this.#onSignal);
    process.on('SIGTERM', this.#onSignal);
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  setPhase(phase: 'preparing' | 'running' | 'settling'): void {
    this.#phase = phase;
  }

  dispose(): void {
    process.off('SIGINT', this.#onSignal);
    process.off('SIGTERM', this.#onSignal);
  }
}
