import { join } from 'node:path';

/** Where e keeps the shared state and its own bookkeeping inside a shared directory. */
export interface StatePaths {
  shared: string;
  /** `<shared>/state.yml`, the one file every module reads and writes. */
  state: string;
  /** `<shared>/.e`, e's own directory (never read by modules). */
  eDir: string;
  lock: string;
  history: string;
  /** Snapshot of the state taken before a module run; present only while a run is in progress. */
  runMarker: string;
}

export function statePaths(shared: string): StatePaths {
  const eDir = join(shared, '.e');
  return {
    shared,
    state: join(shared, 'state.yml'),
    eDir,
    lock: join(eDir, 'lock'),
    history: join(eDir, 'history'),
    runMarker: join(eDir, 'run.json'),
  };
}
