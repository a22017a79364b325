import { resolve } from 'node:path';
import { loadRepository, type Repository } from '@e/core/repository';
import { missingCompanions, newerVersions } from '@e/core/resolve';
import { formatRequirement } from '@e/core/selector';
import { loadInstalled } from '@e/core/state';
import type { GlobalOptions } from '../cli.js';
import { emit, table } from '../output.js';

/** e status: one row per installed module, from e's records and the repository. */
export async function statusCommand(options: GlobalOptions): Promise<void> {
  const repository: Repository = await loadRepository(options.repository);
  const installed = await loadInstalled(resolve(options.shared));
  const modules = Object.keys(installed)
    .sort()
    .map((name) => {
      const r = installed[name]!;
      return {
        module: name,
        version: r.version,
        status: r.status,
        drift: r.drift === true,
        platform: r.platform ?? null,
        digest: r.digest ?? null,
        needsPlan: r.needsPlan,
        missingCompanions: missingCompanions(repository, installed, name).map(formatRequirement),
        newerVersions: newerVersions(repository, name, r.version),
        installedAt: r.installedAt,
        updatedAt: r.updatedAt,
      };
    });
  emit(options.output, { shared: resolve(options.shared), modules }, () => {
    if (modules.length === 0) return `No modules are installed in ${resolve(options.shared)}.`;
    const rows = [['MODULE', 'VERSION', 'STATUS', 'PLATFORM', 'DIGEST', 'NEEDS PLAN', 'MISSING COMPANIONS', 'NEWER']];
    for (const m of modules) {
      rows.push([
        m.module,
        m.version,
        m.drift ? `${m.status} (drift)` : m.status,
        m.platform ?? '-',
        shortDigest(m.digest),
        m.needsPlan ? 'yes' : '-',
        m.missingCompanions.join('; ') || '-',
        m.newerVersions.join(', ') || '-',
      ]);
    }
    const flagged = modules.filter((m) => m.needsPlan).map((m) => m.module);
    const hint =
      flagged.length > 0
        ? `\n${flagged.join(', ')} need${flagged.length === 1 ? 's' : ''} a plan: e plan ${flagged[0]}`
        : '';
    const drifted = modules.filter((m) => m.drift).map((m) => m.module);
    const driftHint =
      drifted.length > 0
        ? `\n${drifted.join(', ')}: the last audit found drift; e audit ${drifted[0]} shows it, e plan/apply reconciles it`
        : '';
    return `${table(rows)}${hint}${driftHint}`;
  });
}

function shortDigest(digest: string | null): string {
  if (digest === null) return '-';
  const at = digest.lastIndexOf('sha256:');
  const hex = at < 0 ? digest : digest.slice(at + 'sha256:'.length);
  return hex.slice(0, 12);
}
