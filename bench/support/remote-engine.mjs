// bench/backend.mjs's section 2: `e plan azi` on a remote engine ÷ on the local engine (target <= 1.2).
// The remote engine is a second dockerd on this machine (test/support/second-engine.mjs): listening
// on tcp://127.0.0.1 only, in its own mount namespace with a private /tmp, so e carries the staged
// shared directory to it as a tar and back (the archive API) instead of bind-mounting it.
// Then what the archive API alone costs: a put and a get of the same directory on the remote
// engine, with nothing of e around them, interleaved with local runs (Docker 20.10 re-executes
// dockerd for each of them, so they cost ~130 ms each here whatever e does around them).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startSecondEngine } from '../../test/support/second-engine.mjs';
import { median } from './pairs.mjs';

const IMAGE = 'localhost:5000/modules/azi';
const FLOOR_ROUNDS = 7;

/** @param {string} scratch @param {{ timedE: Function, comparePairs: Function, REPOSITORY: string }} bench */
export async function remoteVsLocal(scratch, { timedE, comparePairs, REPOSITORY }) {
  const engine = await startSecondEngine();
  try {
    const shared = join(scratch, 'shared');
    timedE(['-r', REPOSITORY, '-s', shared, 'module', 'install', 'azi', '-y']);
    const ratio = comparePairs(
      'e plan azi: remote engine (tar in and out) ÷ local engine (bind mount)',
      1.2,
      { name: 'remote', run: () => timedE(['-r', REPOSITORY, '-s', shared, '--engine', engine.host, 'plan', 'azi']) },
      { name: 'local', run: () => timedE(['-r', REPOSITORY, '-s', shared, 'plan', 'azi']) },
    );
    await archiveFloor(engine.docker, shared, () => timedE(['-r', REPOSITORY, '-s', shared, 'plan', 'azi']));
    return ratio;
  } finally {
    await engine.stop();
  }
}

/** Prints what one put and one get through the archive API cost on the remote engine, alone. */
async function archiveFloor(docker, shared, localPlan) {
  const root = new URL('../../', import.meta.url);
  const { packDirectory } = await import(
    pathToFileURL(join(root.pathname, 'packages/core/dist/runtime/remote-shared.js')).href
  );
  const timedAsync = async (fn) => {
    const start = process.hrtime.bigint();
    await fn();
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  // the image e pulled by digest for its runs (untagged on that engine)
  const image = (await docker.listImages()).find((i) => (i.RepoDigests ?? []).some((d) => d.startsWith(`${IMAGE}@`)));
  if (image === undefined) throw new Error(`${IMAGE} is not on the remote engine after e's runs`);
  const rows = [];
  for (let i = 0; i < FLOOR_ROUNDS; i++) {
    const local = localPlan();
    const container = await docker.createContainer({
      Image: image.Id,
      HostConfig: { Mounts: [{ Type: 'volume', Source: '', Target: '/shared', VolumeOptions: { NoCopy: true } }] },
    });
    try {
      const put = await timedAsync(() =>
        container.putArchive(packDirectory(shared, new Set(['.e'])), { path: '/shared' }),
      );
      const get = await timedAsync(async () => {
        const tar = await container.getArchive({ path: '/shared' });
        for await (const _ of tar);
      });
      rows.push({ local, put, get, floor: (local + put + get) / local });
    } finally {
      await container.remove({ force: true, v: true });
    }
  }
  const m = (key) => median(rows.map((r) => r[key]));
  console.log('\nthe archive API alone on the remote engine (one put and one get of the shared directory, no e)');
  console.log(
    `  median: put ${m('put').toFixed(0)} ms, get ${m('get').toFixed(0)} ms; local e plan ${m('local').toFixed(0)} ms`,
  );
  console.log(
    `  those two requests alone, added to a local e plan, make ${m('floor').toFixed(3)} of it (compare the remote ÷ local median above)`,
  );
}
