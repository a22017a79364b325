import type { Command } from 'commander';
import { globalOptions } from './program.js';

/** Registers e export and e import (the offline archive). Handlers are imported lazily from commands/. */
export function registerOfflineCommands(program: Command): void {
  program
    .command('export')
    .description('write one archive with the modules, their images and the e command line, for a site without internet')
    .argument('<file>', 'the archive to write (a tar)')
    .argument('[modules...]', 'module names, optionally with @version (kafka@0.1.0)')
    .option('--installed', 'the modules installed in the shared directory', false)
    .option('--with-deps', 'add the modules the named ones need', false)
    .option('--prefer <module...>', 'with --with-deps: the module to take when several could meet a requirement', [])
    .option('--platform <os/arch,...>', 'platforms to take, comma-separated (default: every platform of each image)')
    .option('--with-state', "add the shared directory's state and config files", false)
    .option('--without-cli', 'leave the e command line package out', false)
    .action(async (file: string, modules: string[], options: ExportFlags, command: Command) => {
      const { exportCommand } = await import('./commands/export.js');
      await exportCommand({ ...globalOptions(command), ...options, file, modules });
    });

  program
    .command('import')
    .description('check an archive of e export, then load its images into the engine or push them to a registry')
    .argument('<file>', 'the archive e export wrote')
    .option('--registry <host:port>', 'push the images to this registry instead of loading them into the engine')
    .option(
      '--repository-out <file>',
      'where to write the repository file naming the imported images',
      'repository.yml',
    )
    .option('--out <dir>', 'where to write the archive’s files, packages, state and e package', 'e-offline')
    .option('-f, --force', 'overwrite an existing --repository-out file', false)
    .action(async (file: string, options: ImportFlags, command: Command) => {
      const { importCommand } = await import('./commands/import.js');
      await importCommand({ ...globalOptions(command), ...options, file });
    });
}

export interface ExportFlags {
  installed: boolean;
  withDeps: boolean;
  prefer: string[];
  platform?: string;
  withState: boolean;
  withoutCli: boolean;
}

export interface ImportFlags {
  registry?: string;
  repositoryOut: string;
  out: string;
  force: boolean;
}
