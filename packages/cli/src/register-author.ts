import { type Command, Option } from 'commander';
import { globalOptions } from './program.js';

const pullOption = () =>
  new Option('--pull <policy>', 'pull the image: always (test what the registry holds), missing, never')
    .choices(['always', 'missing', 'never'])
    .default('always');

/** Registers e module build|test|validate|new (for module authors). Handlers are imported lazily from commands/. */
export function registerAuthorCommands(module: Command): void {
  module
    .command('build')
    .description(
      'build a module image for linux/amd64 and linux/arm64 (or --platform a,b), cached by content hash; --push publishes them with a multi-arch index',
    )
    .argument('[dir]', 'the module directory: a Dockerfile, or a Node module (package.json, src/index.ts)', '.')
    .option('--push', 'push the per-platform images and write the multi-arch index')
    .option('--tag <ref>', 'the multi-arch reference (default: <registry>/modules/NAME:VERSION)')
    .option('--base <ref>', 'the image ARG BASE gets (default: the Dockerfile’s default, else e’s base image)')
    .action(async (dir: string, options: AuthorBuildFlags, command: Command) => {
      const { authorBuild } = await import('./commands/author-build.js');
      const globals = globalOptions(command);
      // --platform is e's global option; for a build it is a list, and E_PLATFORM does not choose it
      const platforms = command.getOptionValueSourceWithGlobals('platform') === 'cli' ? globals.platform : undefined;
      await authorBuild({ ...globals, ...options, dir, platforms });
    });

  module
    .command('test')
    .description(
      "run a module's declarative test cases (tests/*.yml) against its real image, in throw-away shared directories",
    )
    .argument('<dir>', 'the module directory (or its tests directory), e.g. modules/kafka')
    .option('--version <version>', 'test this version only (default: every version the repository lists)')
    .option('--image <ref>', 'test this image instead of the repository’s, e.g. one not published yet')
    .addOption(pullOption())
    .option('--timeout <duration>', 'kill a step’s container after this long', '5m')
    .action(async (dir: string, options: AuthorTestFlags, command: Command) => {
      const { authorTest } = await import('./commands/author-test.js');
      await authorTest({ ...globalOptions(command), ...options, dir });
    });

  module
    .command('validate')
    .description(
      'run the conformance suite: metadata, required commands, init → plan → apply → plan → audit, allowed sections',
    )
    .argument(
      '<module|image>',
      'a module of the repository (kafka, or kafka@0.2.0 for one version) or an image reference',
    )
    .option('--version <version>', 'validate this version only (default: every version of the module, or the image’s)')
    .option('--state <file>', 'the mocked state to run on (default: the given state of the module’s conformance case)')
    .option('--module-dir <dir>', 'where the module’s test cases are (default: modules/NAME or test/modules/NAME)')
    .addOption(pullOption())
    .option('--timeout <duration>', 'kill a step’s container after this long', '5m')
    .action(async (target: string, options: AuthorValidateFlags, command: Command) => {
      const { authorValidate } = await import('./commands/author-validate.js');
      await authorValidate({ ...globalOptions(command), ...options, target });
    });

  module
    .command('new')
    .description('scaffold a standalone module project (Dockerfile, code, test cases, README) and its repository entry')
    .argument('<name>', 'the module name: lower-case letters, digits and dashes')
    .addOption(
      new Option('--template <template>', 'node: TypeScript with @e/module-sdk; shell: a POSIX sh script')
        .choices(['node', 'shell'])
        .default('node'),
    )
    .option('--dir <dir>', 'parent directory of the new module (default: modules if there is one, else .)')
    .option('--version <version>', 'its first version', '0.1.0')
    .option('--image <ref>', 'the image its repository entry names (default: what the image pipeline pushes for --dir)')
    .option(
      '--add-to-repository',
      'append the entry to the repository file (-r; created when missing) instead of only printing it',
    )
    .action(async (name: string, options: AuthorNewFlags, command: Command) => {
      const { authorNew } = await import('./commands/author-new.js');
      await authorNew({ ...globalOptions(command), ...options, name });
    });
}

interface AuthorBuildFlags {
  push?: boolean;
  tag?: string;
  base?: string;
}

interface AuthorTestFlags {
  version?: string;
  image?: string;
  pull: 'always' | 'missing' | 'never';
  timeout: string;
}

interface AuthorValidateFlags {
  version?: string;
  state?: string;
  moduleDir?: string;
  pull: 'always' | 'missing' | 'never';
  timeout: string;
}

interface AuthorNewFlags {
  dir?: string;
  template: 'node' | 'shell';
  version: string;
  image?: string;
  addToRepository?: boolean;
}
