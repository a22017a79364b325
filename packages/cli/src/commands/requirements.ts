import { resolve } from 'node:path';
import { type BillOfMaterials, billOfMaterials, normalizePlatforms } from '@e/core/offline';
import { loadRepository } from '@e/core/repository';
import { RuntimeError } from '@e/core/runtime';
import { loadState, readInstalled } from '@e/core/state';
import type { GlobalOptions } from '../cli.js';
import { emit, table } from '../output.js';
import { formatBytes } from '../progress.js';
import type { RequirementsFlags } from '../register-install.js';

export interface RequirementsOptions extends GlobalOptions, RequirementsFlags {
  modules: string[];
}

/** e requirements: the bill of materials of modules (or of what is installed) for an air-gapped site. */
export async function requirementsCommand(options: RequirementsOptions): Promise<void> {
  if (options.modules.length === 0 && !options.installed) {
    throw new RuntimeError('E_USAGE', 'e requirements needs module names or --installed.', {
      hint: 'e.g. e requirements kafka --with-deps, or e requirements --installed',
      exitCode: 2,
    });
  }
  // an empty E_PLATFORM means unset (as for every command)
  const listed = (options.platform ?? '').split(',').filter((p) => p.trim() !== '');
  const platforms = listed.length === 0 ? undefined : normalizePlatforms(listed);
  const repository = await loadRepository(options.repository);
  const installed = options.installed ? readInstalled(await loadState(resolve(options.shared))) : undefined;
  const bill = await billOfMaterials({
    repository,
    modules: options.modules,
    ...(installed ? { installed } : {}),
    withDeps: options.withDeps,
    prefer: options.prefer,
    ...(platforms ? { platforms } : {}),
  });
  emit(options.output, bill, () => renderBill(bill));
}

const short = (digest: string) => digest.replace(/^sha256:/, '').slice(0, 12);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function renderBill(bill: BillOfMaterials): string {
  const lines: string[] = [];
  const modules = bill.modules.map((m) => `${m.name}@${m.version}`).join(', ') || 'no modules';
  lines.push(`Requirements of ${modules} for ${bill.platforms.join(', ') || 'no platform'}:`);
  const { totals } = bill;
  lines.push('', `Images (${totals.images}, ${formatBytes(totals.imageBytes)} in distinct blobs):`);
  if (bill.images.length > 0) {
    const rows = [['REFERENCE', 'KIND', 'DIGEST', 'PLATFORMS', 'SIZE', 'USED BY']];
    for (const image of bill.images) {
      rows.push([
        image.reference,
        image.kind,
        short(image.digest),
        image.platforms.map((p) => `${p.platform.replace(/^linux\//, '')} ${short(p.digest)}`).join(', '),
        formatBytes(image.platforms.reduce((n, p) => n + p.size, 0)),
        image.usedBy.join(', '),
      ]);
    }
    lines.push(table(rows));
  }
  const unknown = totals.filesWithoutSize > 0 ? `, ${totals.filesWithoutSize} of unknown size` : '';
  lines.push('', `Files (${totals.files}, ${formatBytes(totals.fileBytes)}${unknown}):`);
  if (bill.files.length > 0) {
    const rows = [['NAME', 'SIZE', 'SHA256', 'ARCH', 'URL', 'USED BY']];
    for (const file of bill.files) {
      rows.push([
        file.name,
        file.size === undefined ? '?' : formatBytes(file.size),
        file.sha256.slice(0, 12),
        file.architectures?.join(',') ?? 'all',
        file.url,
        file.usedBy.join(', '),
      ]);
    }
    lines.push(table(rows));
  }
  lines.push('', `Packages (${totals.packages}):`);
  if (bill.packages.length > 0) {
    const rows = [['OS', 'NAME', 'VERSION', 'ARCH', 'USED BY']];
    for (const pkg of bill.packages) {
      rows.push([pkg.os, pkg.name, pkg.version, pkg.architectures?.join(',') ?? 'all', pkg.usedBy.join(', ')]);
    }
    lines.push(table(rows));
  }
  lines.push(
    '',
    `Total: ${plural(totals.images, 'image')}, ${plural(totals.files, 'file')}, ${plural(totals.packages, 'package')}; ` +
      `${formatBytes(totals.imageBytes + totals.fileBytes)} known.`,
  );
  return lines.join('\n');
}
