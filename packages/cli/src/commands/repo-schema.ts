import { repositoryJsonSchema } from '@e/core/repository';
import type { GlobalOptions } from '../cli.js';
import { emit } from '../output.js';

/** e repo schema: the JSON Schema of the repository file; text output is JSON too. */
export function repoSchema(options: GlobalOptions): void {
  const schema = repositoryJsonSchema();
  emit(options.output, schema, () => JSON.stringify(schema, null, 2));
}
