import type { Command } from 'commander';
import { commandPath } from './completion.js';

type Examples = readonly (readonly [string, string])[];

/** e init|plan|apply|audit; e module init|plan|apply|audit get the same, spelled the long way. */
const LIFECYCLE: Readonly<Record<string, Examples>> = {
  init: [
    ['e init kafka', 'write shared/kafka-config.yml from the state'],
    ['e init kafka@0.2.0 --pull always', 'with one version, pulling its image again'],
  ],
  plan: [
    ['e plan kafka --detailed-exitcode', 'exit 0 without changes, 2 with'],
    ['e plan kafka --out kafka.plan', 'save the plan for e apply --plan'],
    ['e plan --all --parallel 2', 'plan every installed module'],
    ['e plan --show kafka.plan', 'what a saved plan proposes'],
  ],
  apply: [
    ['e apply kafka', 'show the plan, ask, then apply'],
    ['e apply --plan kafka.plan -y', 'apply exactly a saved plan'],
  ],
  audit: [
    ['e audit kafka', 'exit 3 when the real world drifted from the state'],
    ['e audit kafka --timeout 5m', 'give it five minutes at most'],
  ],
};

/**
 * The Examples section of every command's --help, by command path ('' is e itself): each an
 * invocation and what it does. help-examples.test.ts checks that every command has some and that
 * each example runs the command it is listed under.
 */
export const EXAMPLES: Readonly<Record<string, Examples>> = {
  ...Object.fromEntries(
    Object.entries(LIFECYCLE).flatMap(([name, examples]) => [
      [name, examples],
      [`module ${name}`, examples.map(([example, what]) => [example.replace(/^e /, 'e module '), what] as const)],
    ]),
  ),
  '': [
    ['e repo list', 'what the repository offers'],
    ['e module install kafka', 'install kafka and what it needs, asking first'],
    ['e status', 'the installed modules'],
    ['e status -o json', 'the same as JSON (errors too: {"ok": false, "error": {...}})'],
    ['source <(e completion bash)', 'TAB-complete commands, options and module names'],
  ],
  repo: [
    ['e repo list', 'every module with its versions and labels'],
    ['e repo validate', 'check ./repository.yml'],
  ],
  'repo list': [
    ['e repo list', 'every module, its latest version and labels'],
    ['e -r https://example.com/repository.yml repo list', 'a repository served over HTTP'],
  ],
  'repo search': [
    ["e repo search 'kind in (infrastructure),provider=azure'", 'module versions with these labels'],
    ['e repo search --latest kind=monitoring', 'only the default version of each'],
  ],
  'repo show': [
    ['e repo show kafka', 'the default version of kafka'],
    ['e repo show kafka@0.1.0 -o yaml', 'one version, as YAML'],
  ],
  'repo validate': [
    ['e repo validate', 'every problem of ./repository.yml as file:line:col'],
    ['e repo validate other-repository.yml -o json', 'another file, problems as JSON'],
  ],
  'repo schema': [['e repo schema > repository.schema.json', 'the JSON Schema, for an editor']],
  module: [
    ['e module install kafka', 'install kafka'],
    ['e module run kafka backup -- --full', 'run a command of kafka with arguments'],
  ],
  'module install': [
    ['e module install kafka', 'show the steps, ask, then pull, check, init, plan and apply'],
    ['e module install kafka@0.2.0 -y', 'one version, without asking'],
    ['e module install postgresql --with-deps --dry-run', 'what else it needs, without running anything'],
    ['e module install postgresql --with-deps --prefer rook -y', 'choose rook when several modules could serve'],
  ],
  'module upgrade': [
    ['e module upgrade kafka', 'to the highest version the requirements allow'],
    ['e module upgrade kafka 0.2.0 -y', 'to one version, without asking'],
  ],
  'module remove': [
    ['e module remove kafka', "run kafka's destroy command (if any) and drop its record"],
    ['e module remove rook --force -y', 'even while other modules require it'],
  ],
  'module run': [
    ['e module run kafka backup', "run kafka's backup command"],
    ['e module run kafka@0.1.0 backup -- --target /shared/backups', 'one version, with extra arguments'],
  ],
  'module test': [
    ['e module test modules/kafka', "run kafka's test cases against its image"],
    ['e module test modules/kafka --version 0.2.0 --pull never', 'one version, with the local image'],
  ],
  'module validate': [
    ['e module validate kafka', 'the conformance suite for every version of kafka'],
    ['e module validate localhost:5000/modules/kafka:0.2.0 --timeout 2m', 'an image not in the repository yet'],
  ],
  'module build': [
    ['e module build modules/kafka', 'its images for linux/amd64 and linux/arm64, cached by content'],
    ['e module build modules/kafka --platform linux/arm64 --push', 'one platform, pushed with a multi-arch index'],
  ],
  'module new': [
    ['e module new redis', 'scaffold modules/redis and print its repository entry'],
    ['e module new redis --add-to-repository', 'and append that entry to the repository file'],
  ],
  doctor: [
    ['e doctor', 'engine, emulation, registries, state and lock, e.yml: one line each, with a fix'],
    ['e --engine tcp://build-host:2375 doctor -o json', 'a remote engine, the checks as data'],
  ],
  status: [
    ['e status', 'installed modules, which need a plan, and newer versions'],
    ['e -s /srv/platform status -o json', 'another shared directory, as JSON'],
  ],
  requirements: [
    ['e requirements kafka --with-deps --prefer azi', 'images, files and packages kafka and what it needs take'],
    [
      'e requirements --installed --platform linux/amd64,linux/arm64 -o json',
      'what is installed, for two platforms, as JSON',
    ],
  ],
  export: [
    ['e export site.tar kafka --with-deps --prefer azi', 'kafka, what it needs and the e package, every platform'],
    [
      'e export site.tar --installed --platform linux/amd64 --with-state',
      'what is installed, one platform, with the state',
    ],
  ],
  import: [
    ['e import site.tar', "check the archive, then load the engine's platform into the engine"],
    [
      'e import site.tar --registry registry.site:5000 --repository-out site.yml',
      'push every image to the site registry',
    ],
  ],
  graph: [
    ['e graph', 'the installed modules as a Mermaid graph'],
    ['e graph --all --format svg > graph.svg', 'every module of the repository as a picture (Graphviz, built in)'],
  ],
  state: [
    ['e state show', 'state.yml as it is'],
    ['e state history', 'every recorded run'],
  ],
  'state show': [
    ['e state show', 'state.yml as it is'],
    ['e state show kafka -o json', 'one section, as JSON'],
  ],
  'state history': [
    ['e state history', 'every run and rollback, newest last'],
    ['e state history 3', 'one entry, with its diff'],
  ],
  'state rollback': [
    ['e state rollback 3 --dry-run', 'what returning to revision 3 would change'],
    ['e state rollback 3 -y', 'return state.yml to revision 3 without asking'],
  ],
  'state push': [
    ['e state push --state postgres://e@db:5432/e --env prod', 'move ./shared into PostgreSQL, history included'],
    ['e state push --state postgres://e@db:5432/e --env prod --force', 'replace the state already there'],
  ],
  'state pull': [
    ['e state pull --state postgres://e@db:5432/e --env prod -s ./local', 'copy it back into a local directory'],
  ],
  'state unlock': [
    ['e state unlock', 'remove a lock whose e is gone'],
    ['e state unlock --force', 'also when its holder may still run'],
    ['e state unlock --state postgres://e@db:5432/e --env prod', 'who holds that lock; --force ends its session'],
  ],
  completion: [
    ['source <(e completion bash)', 'in ~/.bashrc'],
    ['source <(e completion zsh)', 'in ~/.zshrc, after compinit'],
    ['e completion fish | source', 'in ~/.config/fish/config.fish'],
  ],
};

/** Adds each command's examples to its --help (after the options). */
export function addExamples(program: Command): void {
  const visit = (command: Command): void => {
    const examples = EXAMPLES[commandPath(command)];
    if (examples !== undefined && examples.length > 0) command.addHelpText('after', formatExamples(examples));
    for (const sub of command.commands) visit(sub);
  };
  visit(program);
}

/** A comment saying what, then the command: the lines can be pasted into a shell as they are. */
function formatExamples(examples: Examples): string {
  return `\nExamples:\n${examples.map(([example, what]) => `  # ${what}\n  ${example}`).join('\n')}`;
}
