import { Argument, type Command } from 'commander';
import { addExamples } from './help-examples.js';
import { addModuleGroup, addRepoGroup, addStateGroup, createProgram, globalOptions } from './program.js';
import { registerAuthorCommands } from './register-author.js';
import { registerInstallCommands } from './register-install.js';
import { registerOfflineCommands } from './register-offline.js';
import { registerRepoCommands } from './register-repo.js';
import { registerRuntimeCommands } from './register-runtime.js';
import { registerStateCommands } from './register-state.js';

export { type GlobalOptions, globalOptions } from './program.js';

/**
 * The one place where every command is registered. Handlers live in commands/<name>.ts and are
 * imported lazily inside each action, so `e --help` and `e --version` load nothing heavy.
 */
export function buildProgram(): Command {
  const program = createProgram();

  const repo = addRepoGroup(program);
  const module = addModuleGroup(program);
  const state = addStateGroup(program);

  registerRepoCommands(repo);
  registerRuntimeCommands(program, module);
  registerStateCommands(state);
  registerInstallCommands(program, module);
  registerAuthorCommands(module);
  registerOfflineCommands(program);

  program
    .command('completion')
    .description('print a shell script that completes commands, options and module names on TAB')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh', 'fish']))
    .action(async (shell: 'bash' | 'zsh' | 'fish', _options: unknown, command: Command) => {
      const { completionScript } = await import('./completion.js');
      const script = completionScript(shell);
      const { emit } = await import('./output.js');
      emit(globalOptions(command).output, { shell, script }, () => script);
    });
  // the callback of those scripts; main hands it the words before commander would parse them
  program.command('__complete', { hidden: true }).allowUnknownOption().allowExcessArguments();

  addExamples(program);
  return program;
}
