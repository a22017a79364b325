import type { Command } from 'commander';

/** Registers e repo list|search|show|validate|schema (repository file and selectors). Handlers are imported lazily from commands/. */
export function registerRepoCommands(_repo: Command): void {
  // filled in by the issue that owns these commands
}
