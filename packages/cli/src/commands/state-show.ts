import { loadState, StateError } from '@e/core/state';
import { stringify } from 'yaml';
import type { GlobalOptions } from '../cli.js';
import { emit } from '../output.js';

export interface StateShowOptions extends GlobalOptions {
  section?: string;
}

/** `e state show [section]`: state.yml as it is on disk (text), or its data (-o json|yaml). */
export async function stateShow(options: StateShowOptions): Promise<void> {
  const state = await loadState(options.shared);
  if (options.section === undefined) {
    if (!state.exists) process.stderr.write(`e: there is no state yet (${state.path} does not exist)\n`);
    emit(options.output, state.data, () => state.text);
    return;
  }
  const { section } = options;
  if (!Object.hasOwn(state.data, section)) {
    const sections = Object.keys(state.data);
    throw new StateError('E_STATE_NO_SECTION', `The state has no section "${section}".`, {
      hint: sections.length === 0 ? 'The state is empty.' : `Sections: ${sections.join(', ')}.`,
    });
  }
  const value = state.data[section];
  emit(options.output, value, () => stringify({ [section]: value }, { lineWidth: 0 }));
}
