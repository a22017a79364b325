import type { z } from 'zod';
import type { Change } from './diff-values.js';
import type { ModuleMetadata } from './metadata.js';

import type { statusSchema } from './status.js';

export type Status = z.infer<typeof statusSchema>;

/** state.yml as plain data: top-level section name → value. */
export type StateData = Readonly<Record<string, unknown>>;
/** The module's mocked remote: relative path → file content. */
export type RemoteFiles = Readonly<Record<string, string>>;

/** What every handler gets. Plain data only: handlers do no I/O, so they can be unit-tested. */
export interface BaseContext<Section> {
  /** The module's name: E_MODULE, else the definition's name. Its section and config key. */
  module: string;
  /** E_MODULE_IMAGE_VERSION, else E_VERSION, else the definition's defaultVersion. */
  version: string;
  /** Arguments after the command. */
  args: readonly string[];
  /** The whole state (every section, read-only). */
  state: StateData;
  /** The module's own section, validated by `section`; undefined when there is none yet. */
  section: Section | undefined;
  /** The current content of the module's mocked remote (`<shared>/<module>/remote/`). */
  remote: RemoteFiles;
  /** Prints a line on stdout (streamed by the wrapper, prefixed with the module name). */
  log: (line: string) => void;
}

export interface ConfiguredContext<Config, Section> extends BaseContext<Section> {
  /** `<module>:` of `<module>-config.yml`, validated by `config`. */
  config: Config;
}

/** What a state-changing command leaves behind. Omitted fields are left as they are. */
export interface Effects<Section> {
  /** The module's new section. */
  section?: Section;
  /** New values of other sections; each must be allowed by `touches`. `undefined` removes one. */
  sections?: Readonly<Record<string, unknown>>;
  /** The complete new content of the mocked remote (files not listed are removed). */
  remote?: RemoteFiles;
}

export interface InitResult<Config, Section> extends Effects<Section> {
  /** Written to `<module>-config.yml` under `<module>:`. */
  config: Config;
}

export interface PlanResult {
  /** Empty: nothing to do (exit 0); otherwise printed, exit 2. */
  changes: readonly Change[];
}

export interface AuditResult {
  /** Manual changes found (exit 3 when any); `from` is what the state expects, `to` what is there. */
  drift: readonly Change[];
  /** Printed as they are, e.g. whether an upgrade is safe. */
  notes?: readonly string[];
}

export interface CommandResult<Section> extends Effects<Section> {
  /** Defaults to 0. */
  exitCode?: number;
}

type MaybePromise<T> = T | Promise<T>;

/** A module: its metadata, the schemas of its config and section, and one handler per command. */
export interface ModuleDefinition<Config, Section> {
  /** Default module name (section, config file, remote dir); E_MODULE overrides it. */
  name: string;
  /** Used when neither E_MODULE_IMAGE_VERSION nor E_VERSION is set (e.g. a plain `node` run). */
  defaultVersion: string;
  /** Static, or computed per version when one source directory builds several versions. */
  metadata: ModuleMetadata | ((version: string) => ModuleMetadata);
  /** Schema of `<module>:` in the config file. */
  config: z.ZodType<Config>;
  /** Schema of the module's state section. */
  section: z.ZodType<Section>;
  /**
   * Other sections this module may change (e.g. kafka marks azi nodes used): names, or a test
   * of a section's name and current value. Anything else is refused before anything is written.
   */
  touches?: readonly string[] | ((name: string, value: unknown) => boolean);
  /** Writes a meaningful config from the state. The SDK sets `status: initialized` unless told otherwise. */
  init: (ctx: BaseContext<Section>) => MaybePromise<InitResult<Config, Section>>;
  /** Compares the config with the state; must not depend on anything apply does not settle. */
  plan: (ctx: ConfiguredContext<Config, Section>) => MaybePromise<PlanResult>;
  /** Does the work. Should leave a state for which plan shows no changes. */
  apply: (ctx: ConfiguredContext<Config, Section>) => MaybePromise<Effects<Section>>;
  /** Compares the (mocked) real world with the state. */
  audit: (ctx: BaseContext<Section>) => MaybePromise<AuditResult>;
  /** Optional commands (`destroy`, `backup`, ...): they get the config when the file exists. */
  commands?: Readonly<
    Record<string, (ctx: BaseContext<Section> & { config: Config | undefined }) => MaybePromise<CommandResult<Section>>>
  >;
}

/** Identity with inference: `export default defineModule({...})` gets Config and Section from the schemas. */
export function defineModule<Config, Section>(
  definition: ModuleDefinition<Config, Section>,
): ModuleDefinition<Config, Section> {
  return definition;
}
