import type { Command } from 'commander';

/** Registers e init|plan|apply|audit and e module init|plan|apply|audit|run (module runtime). Handlers are imported lazily from commands/. */
export function registerRuntimeCommands(_program: Command, _module: Command): void {
  // filled in by the issue that owns these commands
}
