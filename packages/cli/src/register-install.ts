import type { Command } from 'commander';

/** Registers e module install|upgrade|remove, e status, e graph (dependencies). Handlers are imported lazily from commands/. */
export function registerInstallCommands(_program: Command, _module: Command): void {
  // filled in by the issue that owns these commands
}
