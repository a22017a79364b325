import { createRequire } from 'node:module';
import type * as Diff from 'diff';

let diff: typeof Diff | undefined;

/**
 * A unified diff of state.yml between two texts (undefined = no file), without the `====` banner;
 * empty when nothing changed. Headers read `a/state.yml` / `b/state.yml`, as git shows them.
 */
export function stateDiff(before: string | undefined, after: string | undefined, context = 3): string {
  if ((before ?? '') === (after ?? '')) return '';
  // loaded only when there is a difference to show: most runs change nothing
  diff ??= createRequire(import.meta.url)('diff') as typeof Diff;
  const patch = diff.createTwoFilesPatch(
    before === undefined ? '/dev/null' : 'a/state.yml',
    after === undefined ? '/dev/null' : 'b/state.yml',
    before ?? '',
    after ?? '',
    undefined,
    undefined,
    { context },
  );
  return patch.replace(/^=+\n/, '');
}
