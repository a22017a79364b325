import { isDeepStrictEqual } from 'node:util';
import type { z } from 'zod';
import type {
  AuditResult,
  BaseContext,
  Effects,
  ModuleDefinition,
  PlanResult,
  StateData,
  Status,
} from './define-module.js';
import { type Change, formatChange } from './diff-values.js';
import { isModuleError, ModuleError } from './errors.js';
import { formatIssues } from './format-issues.js';
import { metadataToYaml } from './metadata.js';
import {
  plainValue,
  readTree,
  readYamlFile,
  replaceTree,
  type SharedPaths,
  sharedPaths,
  writeFileAtomic,
  type YamlFile,
} from './shared-dir.js';
import { isPlainObject, setTopLevel } from './update-document.js';

/** Exit codes of the module contract (docs/module-contract.md). */
export const EXIT = { ok: 0, error: 1, changes: 2, drift: 3 } as const;

/** The state.yml key the wrapper keeps its records under; no module may write it. */
export const RESERVED_STATE_KEY = 'e';

export interface RunOptions {
  /** Full argv: [node, script, command, ...args]. */
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** Runs one command of `definition` and returns its exit code. Never throws. */
export async function runModule<C, S>(definition: ModuleDefinition<C, S>, options: RunOptions): Promise<number> {
  const [command, ...args] = options.argv.slice(2);
  const module = nonEmpty(options.env.E_MODULE) ?? definition.name;
  const version =
    nonEmpty(options.env.E_MODULE_IMAGE_VERSION) ?? nonEmpty(options.env.E_VERSION) ?? definition.defaultVersion;
  const run = new Run(definition, { module, version, args, options });
  try {
    return await run.dispatch(command);
  } catch (error) {
    const label = command === undefined ? module : `${module} ${command}`;
    if (isModuleError(error)) {
      options.stderr(`${label}: ${error.message}\n`);
      if (error.hint !== undefined) options.stderr(`hint: ${error.hint}\n`);
    } else {
      const message = error instanceof Error ? error.message : String(error);
      options.stderr(`${label}: unexpected error (a bug in the module): ${message}\n`);
      if (options.env.E_DEBUG && error instanceof Error && error.stack) options.stderr(`${error.stack}\n`);
    }
    if (command === 'apply') await run.markFailed().catch(() => undefined);
    return EXIT.error;
  }
}

/** The entry point of a module's bundle: `main(definition)` runs the command of process.argv. */
export async function main<C, S>(definition: ModuleDefinition<C, S>): Promise<void> {
  process.exitCode = await runModule(definition, {
    argv: process.argv,
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  });
}

const CORE_COMMANDS = ['metadata', 'init', 'plan', 'apply', 'audit'] as const;

class Run<C, S> {
  private readonly paths: SharedPaths;
  private stateFile: YamlFile | undefined;

  constructor(
    private readonly definition: ModuleDefinition<C, S>,
    private readonly ctx: {
      module: string;
      version: string;
      args: readonly string[];
      options: RunOptions;
    },
  ) {
    this.paths = sharedPaths(ctx.module, ctx.options.env);
  }

  async dispatch(command: string | undefined): Promise<number> {
    const extra = Object.keys(this.definition.commands ?? {});
    if (command === undefined || command === '--help' || command === 'help') {
      const usage = `usage: ${this.ctx.module} <command> [args]\ncommands: ${[...CORE_COMMANDS, ...extra].join(', ')}\n`;
      if (command === undefined) {
        this.ctx.options.stderr(usage);
        return EXIT.error;
      }
      this.ctx.options.stdout(usage);
      return EXIT.ok;
    }
    if (this.ctx.module === RESERVED_STATE_KEY) {
      throw new ModuleError(`"${RESERVED_STATE_KEY}" is reserved for e's records and cannot name a module`);
    }
    switch (command) {
      case 'metadata':
        this.ctx.options.stdout(metadataToYaml(this.metadata()));
        return EXIT.ok;
      case 'init':
        return this.init();
      case 'plan':
        return this.plan();
      case 'apply':
        return this.apply();
      case 'audit':
        return this.audit();
    }
    const handler = this.definition.commands?.[command];
    if (handler === undefined) {
      throw new ModuleError(`unknown command "${command}"`, {
        hint: `the commands are: ${[...CORE_COMMANDS, ...extra].join(', ')}`,
      });
    }
    const base = await this.baseContext();
    const config = await this.readConfig(false);
    const result = await handler({ ...base, config });
    await this.commit(base, result);
    return result.exitCode ?? EXIT.ok;
  }

  private metadata() {
    const { metadata } = this.definition;
    return typeof metadata === 'function' ? metadata(this.ctx.version) : metadata;
  }

  private async init(): Promise<number> {
    const base = await this.baseContext();
    const result = await this.definition.init(base);
    const config = this.validate(this.definition.config, result.config, 'the config init produced');
    const configFile = await readYamlFile(this.paths.config);
    setTopLevel(configFile.doc, this.ctx.module, config);
    await writeFileAtomic(this.paths.config, configFile.doc.toString({ lineWidth: 0 }));
    const current = base.state[this.ctx.module];
    const section =
      result.section ??
      ({
        ...(isPlainObject(current) ? current : {}),
        status: isPlainObject(current) && current.status === 'applied' ? 'applied' : 'initialized',
      } as S);
    await this.commit(base, { ...result, section });
    this.ctx.options.stdout(`wrote ${this.paths.config}\n`);
    return EXIT.ok;
  }

  private async plan(): Promise<number> {
    const base = await this.baseContext();
    const config = (await this.readConfig(true)) as C;
    const result: PlanResult = await this.definition.plan({ ...base, config });
    // e reads the proposed changes from here into structured plans (and never merges the file)
    const planFile = this.ctx.options.env.E_PLAN_FILE;
    if (planFile) await writeFileAtomic(planFile, `${JSON.stringify({ changes: result.changes })}\n`);
    if (result.changes.length === 0) {
      this.ctx.options.stdout('No changes.\n');
      return EXIT.ok;
    }
    this.ctx.options.stdout(`${result.changes.length} change(s):\n${lines(result.changes)}`);
    return EXIT.changes;
  }

  private async apply(): Promise<number> {
    const base = await this.baseContext();
    const config = (await this.readConfig(true)) as C;
    const result = await this.definition.apply({ ...base, config });
    await this.commit(base, result);
    this.ctx.options.stdout(`${this.ctx.module}: applied\n`);
    return EXIT.ok;
  }

  private async audit(): Promise<number> {
    const base = await this.baseContext();
    const result: AuditResult = await this.definition.audit(base);
    for (const note of result.notes ?? []) this.ctx.options.stdout(`${note}\n`);
    if (result.drift.length === 0) {
      this.ctx.options.stdout('No drift: the real world matches the state.\n');
      return EXIT.ok;
    }
    const described = result.drift.map(describeDrift).join('');
    this.ctx.options.stdout(`${result.drift.length} manual change(s) found:\n${described}`);
    return EXIT.drift;
  }

  /** After a failed apply: `status: failed`, the rest of the section as it was. */
  async markFailed(): Promise<void> {
    const file = await this.loadState();
    const current = plainValue(file)[this.ctx.module];
    setTopLevel(file.doc, this.ctx.module, { ...(isPlainObject(current) ? current : {}), status: 'failed' as Status });
    await writeFileAtomic(this.paths.state, file.doc.toString({ lineWidth: 0 }));
  }

  private async baseContext(): Promise<BaseContext<S>> {
    const file = await this.loadState();
    const state = plainValue(file);
    const raw = state[this.ctx.module];
    const section =
      raw === undefined || raw === null
        ? undefined
        : this.validate(this.definition.section, raw, this.paths.state, file, [this.ctx.module]);
    return {
      module: this.ctx.module,
      version: this.ctx.version,
      args: this.ctx.args,
      state,
      section,
      remote: await readTree(this.paths.remote),
      log: (line) => this.ctx.options.stdout(`${line}\n`),
    };
  }

  private async loadState(): Promise<YamlFile> {
    this.stateFile ??= await readYamlFile(this.paths.state);
    return this.stateFile;
  }

  private async readConfig(required: boolean): Promise<C | undefined> {
    const file = await readYamlFile(this.paths.config);
    const raw = plainValue(file)[this.ctx.module];
    if (raw === undefined) {
      if (!required) return undefined;
      const what = file.exists ? `has no "${this.ctx.module}:" section` : 'does not exist';
      throw new ModuleError(`${this.paths.config} ${what}`, {
        hint: `run init first: e module init ${this.ctx.module}`,
      });
    }
    return this.validate(this.definition.config, raw, this.paths.config, file, [this.ctx.module]);
  }

  private validate<T>(
    schema: z.ZodType<T>,
    value: unknown,
    where: string,
    file?: YamlFile,
    prefix: readonly (string | number)[] = [],
  ): T {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    const problems = formatIssues(result.error, {
      file: where,
      prefix,
      ...(file === undefined ? {} : { doc: file.doc, lineCounter: file.lineCounter }),
    });
    throw new ModuleError(
      problems.length === 1 ? `invalid ${problems[0]}` : `invalid content:\n  ${problems.join('\n  ')}`,
    );
  }

  /** Checks and writes what a command left: remote first, then the state in one atomic write. */
  private async commit(base: BaseContext<S>, effects: Effects<S>): Promise<void> {
    const updates = new Map<string, unknown>();
    if (effects.section !== undefined) {
      this.validate(this.definition.section, effects.section, `the ${this.ctx.module} section the module produced`);
      updates.set(this.ctx.module, effects.section);
    }
    for (const [name, value] of Object.entries(effects.sections ?? {})) {
      if (name === this.ctx.module) {
        throw new ModuleError(`the module returned its own section "${name}" under "sections"; use "section"`);
      }
      if (!this.mayTouch(name, base.state[name])) {
        throw new ModuleError(`the module tried to change the "${name}" section, which it is not allowed to touch`, {
          hint: 'declare it in the module definition\'s "touches"',
        });
      }
      updates.set(name, value);
    }
    if (effects.remote !== undefined) await replaceTree(this.paths.remote, effects.remote);
    const changed = [...updates].filter(([name, value]) => !isDeepStrictEqual(base.state[name], value));
    if (changed.length === 0) return;
    const file = await this.loadState();
    for (const [name, value] of changed) setTopLevel(file.doc, name, value);
    await writeFileAtomic(this.paths.state, file.doc.toString({ lineWidth: 0 }));
  }

  private mayTouch(name: string, value: unknown): boolean {
    if (name === RESERVED_STATE_KEY) return false;
    const { touches } = this.definition;
    if (touches === undefined) return false;
    return typeof touches === 'function' ? touches(name, value) : touches.includes(name);
  }
}

function lines(changes: readonly Change[]): string {
  return changes.map((c) => `  ${formatChange(c)}\n`).join('');
}

function describeDrift(change: Change): string {
  switch (change.action) {
    case 'remove':
      return `  - ${change.path}: missing (expected by the state)\n`;
    case 'add':
      return `  + ${change.path}: not expected by the state\n`;
    case 'change':
      if (typeof change.from === 'string' && typeof change.to === 'string') {
        return `  ~ ${change.path}: ${firstDifference(change.from, change.to)}\n`;
      }
      return `  ${formatChange(change)}\n`;
  }
}

/** Where two texts first differ, e.g. `line 2: "broker.id=1" (expected) is now "broker.id=7"`. */
function firstDifference(expected: string, actual: string): string {
  const e = expected.split('\n');
  const a = actual.split('\n');
  const i = e.findIndex((line, n) => line !== a[n]);
  const at = i === -1 ? e.length : i;
  const show = (line: string | undefined) => (line === undefined ? 'nothing' : JSON.stringify(line));
  return `line ${at + 1}: ${show(e[at])} (expected) is now ${show(a[at])}`;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

export type { StateData };
