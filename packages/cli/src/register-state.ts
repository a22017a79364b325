import type { Command } from 'commander';

/** Registers e state show|history|rollback|unlock. Handlers are imported lazily from commands/. */
export function registerStateCommands(_state: Command): void {
  // filled in by the issue that owns these commands
}
