import { formatProblem, parseRepository, readRepositorySource } from '@e/core/repository';
import type { GlobalOptions } from '../cli.js';
import { emit } from '../output.js';

export interface RepoValidateOptions extends GlobalOptions {
  /** Defaults to the global -r repository. */
  file?: string;
}

/** e repo validate [FILE]: prints every problem; exit code 0 when valid, 1 when not. */
export async function repoValidate(options: RepoValidateOptions): Promise<void> {
  const source = options.file ?? options.repository;
  const result = parseRepository(await readRepositorySource(source), source);
  const valid = result.value !== undefined;
  const errors = result.problems.filter((p) => p.severity === 'error').length;
  const warnings = result.problems.length - errors;
  emit(options.output, { source, valid, problems: result.problems }, () => {
    const lines = result.problems.map(formatProblem);
    if (valid) {
      const versions = result.value?.components.reduce((n, c) => n + c.versions.length, 0) ?? 0;
      const modules = result.value?.components.length ?? 0;
      const count = `${modules} module${modules === 1 ? '' : 's'}, ${versions} version${versions === 1 ? '' : 's'}`;
      lines.push(
        `${source} is valid (${count}${warnings > 0 ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}).`,
      );
    } else {
      lines.push(
        `${source} is invalid: ${errors} error${errors === 1 ? '' : 's'}${warnings > 0 ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}.`,
      );
    }
    return lines.join('\n');
  });
  if (!valid) process.exitCode = 1;
}
