import type { Command } from 'commander';

/** Registers e module test|validate|new (for module authors). Handlers are imported lazily from commands/. */
export function registerAuthorCommands(_module: Command): void {
  // filled in by the issue that owns these commands
}
