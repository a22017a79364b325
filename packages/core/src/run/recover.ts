import { rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { settleRun } from './record.js';
import { listRunIds, readBaseline, readMarker, runDir } from './run-dir.js';

/**
 * Finishes the runs of an e process that died (found by their `.e/runs/<id>/` directories; call
 * with the state lock held, so every run there that is not this process's is dead). A run whose
 * container had ended on its own is rolled FORWARD from its staging copy (merged and validated as
 * usual: its real-world work was done); any other is dropped, which leaves the live directory as it
 * was, since nothing was merged. Returns one notice per run.
 */
export async function recoverRuns(shared: string): Promise<string[]> {
  const notices: string[] = [];
  const notice = (message: string) => notices.push(message);
  for (const id of await listRunIds(shared)) {
    const marker = await readMarker(shared, id);
    if (marker === undefined) {
      await rm(runDir(shared, id).dir, { recursive: true, force: true });
      notices.push(`Removed the unreadable leftovers of an earlier run (${id}).`);
      continue;
    }
    if (marker.pid === process.pid && marker.host === hostname()) continue;
    const who = `e (pid ${marker.pid} on ${marker.host}) stopped`;
    const label = `${marker.module} ${marker.command}`;
    if (marker.phase === 'exited' && marker.exitCode !== null) {
      const stage = await readBaseline(shared, id).catch(() => undefined);
      if (stage !== undefined) {
        const settled = await settleRun(
          shared,
          marker,
          { ended: 'exited', exitCode: marker.exitCode },
          { stage, notice },
        );
        const what = settled.refused
          ? `it was refused: ${settled.problems.join('; ')}`
          : settled.changedSections.length > 0
            ? `its changes to ${settled.changedSections.join(', ')} were merged`
            : 'it changed no section of the state';
        notices.push(
          `An earlier run of ${label} had finished (exit ${marker.exitCode}) when ${who} before merging it; e completed it (history entry ${settled.entry.seq}): ${what}.`,
        );
        continue;
      }
    }
    const settled = await settleRun(
      shared,
      marker,
      {
        ended: 'interrupted',
        message: `${who} during this run; nothing it wrote was merged`,
      },
      { notice },
    );
    notices.push(
      `An earlier run of ${label} was interrupted when ${who} (history entry ${settled.entry.seq}); nothing it wrote was merged.`,
    );
  }
  return notices;
}
