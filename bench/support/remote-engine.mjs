// bench/backend.mjs's section 2: `e plan azi` on a remote engine ÷ on the local engine (target <= 1.2).
// The remote engine is a second dockerd on this machine (test/support/second-engine.mjs): listening
// on tcp://127.0.0.1 only, in its own mount namespace with a private /tmp, so e carries the staged
// shared directory to it as a tar and back (the archive API) instead of bind-mounting it.
import { join } from 'node:path';
import { startSecondEngine } from '../../test/support/second-engine.mjs';

/** @param {string} scratch @param {{ timedE: Function, comparePairs: Function, REPOSITORY: string }} bench */
export async function remoteVsLocal(scratch, { timedE, comparePairs, REPOSITORY }) {
  const engine = await startSecondEngine();
  try {
    const shared = join(scratch, 'shared');
    timedE(['-r', REPOSITORY, '-s', shared, 'module', 'install', 'azi', '-y']);
    return comparePairs(
      'e plan azi: remote engine (tar in and out) ÷ local engine (bind mount)',
      1.2,
      { name: 'remote', run: () => timedE(['-r', REPOSITORY, '-s', shared, '--engine', engine.host, 'plan', 'azi']) },
      { name: 'local', run: () => timedE(['-r', REPOSITORY, '-s', shared, 'plan', 'azi']) },
    );
  } finally {
    await engine.stop();
  }
}
