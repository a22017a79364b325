import { resolve } from 'node:path';
import type { Command, Option } from 'commander';
import type { CommandLike } from './command-line.js';

/**
 * Shell completion. The scripts `e completion SHELL` prints are thin: on every TAB they call
 * `e __complete WORD...` with the words typed so far (the last one is being completed), and e
 * answers from its own commander program (commands, options, choices) and, for arguments that
 * name modules, from the repository file and the state. One answer line per candidate, as
 * `value` or `value<TAB>description`, then one directive line: `:files` or `:dirs` (let the
 * shell complete paths as well) or `:none`.
 */

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** What a command's positional arguments name, in order; a missing entry completes nothing. */
type ValueKind = 'module' | 'installed' | 'version' | 'command' | 'section' | 'platform' | 'file' | 'dir';

const LIFECYCLE_ARGS: readonly ValueKind[] = ['module'];
const ARGUMENTS: Readonly<Record<string, readonly ValueKind[]>> = {
  init: LIFECYCLE_ARGS,
  plan: LIFECYCLE_ARGS,
  apply: LIFECYCLE_ARGS,
  audit: LIFECYCLE_ARGS,
  'module init': LIFECYCLE_ARGS,
  'module plan': LIFECYCLE_ARGS,
  'module apply': LIFECYCLE_ARGS,
  'module audit': LIFECYCLE_ARGS,
  'module run': ['module', 'command'],
  'module install': ['module'],
  'module upgrade': ['installed', 'version'],
  'module remove': ['installed'],
  'module validate': ['module'],
  'module test': ['dir'],
  'module build': ['dir'],
  'repo show': ['module'],
  'repo validate': ['file'],
  'state show': ['section'],
};

/** What option values name, by long option name (choices come from commander itself). */
const OPTION_VALUES: Readonly<Record<string, ValueKind>> = {
  '--repository': 'file',
  '--shared': 'dir',
  '--state': 'file',
  '--out': 'file',
  '--plan': 'file',
  '--show': 'file',
  '--module-dir': 'dir',
  '--dir': 'dir',
  '--prefer': 'module',
  '--platform': 'platform',
};

/** The platforms e's images are built for; others can be typed. */
const PLATFORMS = ['linux/amd64', 'linux/arm64'];

/** The command paths ARGUMENTS knows, so a test can check each still exists. */
export const COMPLETED_COMMANDS: readonly string[] = Object.keys(ARGUMENTS);

export interface Completion {
  /** `value` or `value\tdescription`. */
  candidates: string[];
  directive: 'none' | 'files' | 'dirs';
}

/** Where the dynamic values come from; the CLI reads the repository file and the state. */
export interface CompletionSources {
  moduleVersions(repository: string): Promise<Map<string, { versions: string[]; commands: Map<string, string[]> }>>;
  installed(shared: string): Promise<string[]>;
  sections(shared: string): Promise<string[]>;
}

/** How far `words` (all but the last) got through the program. */
interface Position {
  command: Command;
  /** The positional arguments given to `command` so far. */
  args: string[];
  /** The option whose value the next word is. */
  pendingOption?: Option;
  /** Values of the global options given so far (-r, -s), by long name. */
  globals: Map<string, string>;
  /** After `--`: everything is an argument of the module. */
  rest: boolean;
}

/** The command `words` name and what they give it (used by completion and by the help examples' test). */
export function walkWords(program: Command, words: readonly string[]): Position {
  const position: Position = { command: program, args: [], globals: new Map(), rest: false };
  for (const word of words) {
    if (position.pendingOption !== undefined) {
      if (position.pendingOption.long !== undefined) position.globals.set(position.pendingOption.long, word);
      position.pendingOption = undefined;
    } else if (position.rest) {
      position.args.push(word);
    } else if (word === '--') {
      position.rest = true;
    } else if (word.startsWith('-') && word !== '-') {
      const [flag, inline] = splitInline(word);
      const option = findOption(position.command, flag);
      if (option !== undefined && takesValue(option)) {
        if (inline === undefined) position.pendingOption = option;
        else if (option.long !== undefined) position.globals.set(option.long, inline);
      }
    } else {
      const sub =
        position.args.length === 0
          ? position.command.commands.find((c) => c.name() === word || c.aliases().includes(word))
          : undefined;
      if (sub !== undefined) {
        position.command = sub;
        position.args = [];
      } else position.args.push(word);
    }
  }
  return position;
}

/** The candidates for the last of `words` (the word being completed, maybe empty). */
export async function complete(
  program: Command,
  words: readonly string[],
  sources: CompletionSources,
): Promise<Completion> {
  const current = words.at(-1) ?? '';
  const position = walkWords(program, words.slice(0, -1));
  const { command } = position;
  const env = {
    repository: position.globals.get('--repository') ?? process.env.E_REPOSITORY ?? './repository.yml',
    shared: resolve(position.globals.get('--shared') ?? process.env.E_SHARED ?? './shared'),
  };
  if (position.pendingOption !== undefined) {
    const option = position.pendingOption;
    if (option.argChoices !== undefined) return only(option.argChoices, current);
    const kind = option.long !== undefined ? OPTION_VALUES[option.long] : undefined;
    return kind === undefined ? none() : values(kind, current, [], env, sources);
  }
  if (current.startsWith('-') && !position.rest) {
    const [flag, inline] = splitInline(current);
    const option = inline === undefined ? undefined : findOption(command, flag);
    if (option?.argChoices !== undefined)
      return only(
        option.argChoices.map((c) => `${flag}=${c}`),
        current,
      );
    return only(
      optionsOf(command).flatMap((o) => flagsOf(o).map((f) => `${f}\t${o.description}`)),
      current,
    );
  }
  const help = command.createHelp();
  const subcommands = position.args.length === 0 ? help.visibleCommands(command) : [];
  if (subcommands.length > 0) {
    return only(
      subcommands.map((c) => `${c.name()}\t${c.description()}`),
      current,
    );
  }
  const declared = command.registeredArguments;
  const index = Math.min(position.args.length, declared.length - 1);
  const argument = declared[index];
  if (argument === undefined || (index < position.args.length && !argument.variadic)) return none();
  if (argument.argChoices !== undefined) return only(argument.argChoices, current);
  const kind = ARGUMENTS[commandPath(command)]?.[index];
  return kind === undefined ? none() : values(kind, current, position.args, env, sources);
}

async function values(
  kind: ValueKind,
  current: string,
  args: readonly string[],
  env: { repository: string; shared: string },
  sources: CompletionSources,
): Promise<Completion> {
  switch (kind) {
    case 'file':
      return { candidates: [], directive: 'files' };
    case 'dir':
      return { candidates: [], directive: 'dirs' };
    case 'installed':
      return only(await sources.installed(env.shared), current);
    case 'section':
      return only(await sources.sections(env.shared), current);
    case 'platform':
      return only(PLATFORMS, current);
    default:
      break;
  }
  const modules = await sources.moduleVersions(env.repository);
  if (kind === 'module') {
    const at = current.indexOf('@');
    if (at === -1) return only([...modules.keys()], current);
    const name = current.slice(0, at);
    return only(
      (modules.get(name)?.versions ?? []).map((v) => `${name}@${v}`),
      current,
    );
  }
  const [spec = ''] = args;
  const [name = '', version] = spec.split('@');
  const module = modules.get(name);
  if (module === undefined) return none();
  if (kind === 'version') return only(module.versions, current);
  // kind === 'command': the commands of the version given, else of every version
  const commands = version !== undefined ? (module.commands.get(version) ?? []) : [...module.commands.values()].flat();
  return only([...new Set(commands)], current);
}

function only(candidates: readonly string[], current: string): Completion {
  return { candidates: candidates.filter((c) => c.startsWith(current)), directive: 'none' };
}

function none(): Completion {
  return { candidates: [], directive: 'none' };
}

/** `--output=json` → [`--output`, `json`]. */
function splitInline(word: string): [string, string | undefined] {
  const eq = word.indexOf('=');
  return word.startsWith('--') && eq !== -1 ? [word.slice(0, eq), word.slice(eq + 1)] : [word, undefined];
}

function takesValue(option: Option): boolean {
  return option.required || option.optional;
}

/** The options `command` accepts: its own, then its parents' (commander reads global options anywhere). */
function optionsOf(command: Command): Option[] {
  const help = command.createHelp();
  const all: Option[] = [];
  for (let c: Command | null = command; c !== null; c = c.parent) all.push(...help.visibleOptions(c));
  const seen = new Set<string>();
  return all.filter((o) => {
    const key = o.long ?? o.short ?? o.flags;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function flagsOf(option: Option): string[] {
  return [option.long, option.short].filter((f): f is string => f !== undefined);
}

function findOption(command: Command, flag: string): Option | undefined {
  for (let c: Command | null = command; c !== null; c = c.parent) {
    const found = c.options.find((o) => o.long === flag || o.short === flag);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** `module install` for e module install (the program itself is ''). */
export function commandPath(command: CommandLike): string {
  const names: string[] = [];
  for (let c: CommandLike | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** The repository file and the state, read as the commands read them; anything unreadable offers nothing. */
export const fileSources: CompletionSources = {
  async moduleVersions(repository) {
    const { loadRepository, sortedVersions } = await import('@e/core/repository');
    const modules = new Map<string, { versions: string[]; commands: Map<string, string[]> }>();
    // a TAB should not hang on a slow server
    const loaded = await loadRepository(repository, { timeoutMs: 2_000 }).catch(() => undefined);
    for (const component of loaded?.components ?? []) {
      const versions = sortedVersions(component);
      modules.set(component.name, {
        versions: versions.map((v) => v.version),
        commands: new Map(versions.map((v) => [v.version, v.commands.map((c) => c.name)])),
      });
    }
    return modules;
  },
  async installed(shared) {
    const { loadState, readInstalled } = await import('@e/core/state');
    try {
      return Object.keys(readInstalled(await loadState(shared))).sort();
    } catch {
      return [];
    }
  },
  async sections(shared) {
    const { loadState } = await import('@e/core/state');
    try {
      return Object.keys((await loadState(shared)).data);
    } catch {
      return [];
    }
  },
};

/** `e __complete WORD...`: prints the candidates and the directive; never fails, a TAB has nobody to tell. */
export async function completeCommand(
  program: Command,
  words: readonly string[],
  sources: CompletionSources = fileSources,
): Promise<number> {
  let result: Completion;
  try {
    result = await complete(program, words.length === 0 ? [''] : words, sources);
  } catch {
    result = none();
  }
  const lines = result.candidates.map((c) => c.replaceAll('\n', ' '));
  process.stdout.write(`${[...lines, `:${result.directive}`].join('\n')}\n`);
  return 0;
}

/** The script for `shell`; `name` is the command it completes. */
export function completionScript(shell: Shell, name = 'e'): string {
  const fn = `_${name.replace(/[^A-Za-z0-9_]/g, '_')}_complete`;
  switch (shell) {
    case 'bash':
      return `# ${name} completion for bash. Load it with
#   source <(${name} completion bash)
# in ~/.bashrc, or save it as ~/.local/share/bash-completion/completions/${name}.
${fn}() {
  local cur=\${COMP_WORDS[COMP_CWORD]}
  local -a lines
  # one candidate a line; read, not word splitting, so nothing is globbed
  IFS=$'\\n' read -r -d '' -a lines < <("\${COMP_WORDS[0]}" __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)
  COMPREPLY=()
  (( \${#lines[@]} )) || return 0
  local directive=\${lines[\${#lines[@]}-1]}
  unset 'lines[\${#lines[@]}-1]'
  local line
  for line in "\${lines[@]}"; do
    line=\${line%%$'\\t'*}
    [[ $line == "$cur"* ]] && COMPREPLY+=("$line")
  done
  case $directive in
    :files) IFS=$'\\n' read -r -d '' -a lines < <(compgen -f -- "$cur"); COMPREPLY+=("\${lines[@]}"); compopt -o filenames 2>/dev/null ;;
    :dirs) IFS=$'\\n' read -r -d '' -a lines < <(compgen -d -- "$cur"); COMPREPLY+=("\${lines[@]}"); compopt -o filenames 2>/dev/null ;;
  esac
  return 0
}
complete -F ${fn} ${name}
`;
    case 'zsh':
      return `#compdef ${name}
# ${name} completion for zsh. Load it with
#   source <(${name} completion zsh)
# in ~/.zshrc after compinit, or save it as _${name} in a directory of $fpath.
${fn}() {
  local -a lines completions
  local line directive
  lines=("\${(@f)$(\${words[1]} __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  (( \${#lines} )) || return 1
  directive=\${lines[-1]}
  for line in "\${(@)lines[1,-2]}"; do
    [[ -n $line ]] || continue
    if [[ $line == *$'\\t'* ]]; then
      completions+=("\${\${line%%$'\\t'*}//:/\\\\:}:\${line#*$'\\t'}")
    else
      completions+=("\${line//:/\\\\:}")
    fi
  done
  (( \${#completions} )) && _describe -t values ${name} completions
  case $directive in
    :files) _files ;;
    :dirs) _files -/ ;;
  esac
}
compdef ${fn} ${name}
`;
    case 'fish':
      return `# ${name} completion for fish. Load it with
#   ${name} completion fish | source
# in ~/.config/fish/config.fish, or save it as ~/.config/fish/completions/${name}.fish.
function ${fn}
    set -l tokens (commandline -opc)
    set -l current (commandline -ct)
    # "$current" stays one (maybe empty) word
    set -l lines ($tokens[1] __complete $tokens[2..-1] "$current" 2>/dev/null)
    test (count $lines) -gt 0; or return
    set -l directive $lines[-1]
    set -e lines[-1]
    for line in $lines
        echo $line
    end
    switch $directive
        case :files
            __fish_complete_path (commandline -ct)
        case :dirs
            __fish_complete_directories (commandline -ct)
    end
end
complete -c ${name} -f -a '(${fn})'
`;
  }
}
