import { createTwoFilesPatch } from 'diff';

/**
 * A unified diff of state.yml between two texts (undefined = no file), without the `====` banner;
 * empty when nothing changed. Headers read `a/state.yml` / `b/state.yml`, as git shows them.
 */
export function stateDiff(before: string | undefined, after: string | undefined, context = 3): string {
  if ((before ?? '') === (after ?? '')) return '';
  const patch = createTwoFilesPatch(
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
