import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { eContainerLabels } from './run-e.js';

/** Fails loudly (never skips) when the images the runtime tests run are not in the registry. */
export async function requireTestImages(): Promise<void> {
  for (const [repo, tag] of [
    ['modules/hello', '0.1.0'],
    ['test-modules/misbehave', '0.1.0'],
  ]) {
    const res = await fetch(`http://127.0.0.1:5000/v2/${repo}/manifests/${tag}`, {
      method: 'HEAD',
      headers: {
        accept: 'application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.index.v1+json',
      },
    });
    if (!res.ok) {
      throw new Error(
        `The registry has no localhost:5000/${repo}:${tag} (HTTP ${res.status}). Run "make setup" (or node scripts/build-images.mjs --only ${repo.split('/')[1]}).`,
      );
    }
  }
}

/**
 * After the tests of a file: no container labelled by e may remain. A container whose e process
 * still runs (another test file or engineer on this engine) is not a leftover; one from these tests
 * (a shared dir made by tempShared) or of a dead e is.
 */
export async function expectNoEContainers(): Promise<void> {
  const left = (await eContainerLabels()).filter(
    (labels) => labels['org.e.run.shared']?.includes('/e-runtime-') || !alive(Number(labels['org.e.run.pid'])),
  );
  if (left.length > 0) {
    const names = left.map((l) => `${l['org.e.run.module']} ${l['org.e.run.command']} (pid ${l['org.e.run.pid']})`);
    throw new Error(`containers labelled by e remain: ${names.join(', ')}`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function stateText(shared: string): string {
  return readFileSync(join(shared, 'state.yml'), 'utf8');
}

export function stateData(shared: string): Record<string, unknown> {
  return (parse(stateText(shared)) ?? {}) as Record<string, unknown>;
}

export function writeState(shared: string, text: string): void {
  writeFileSync(join(shared, 'state.yml'), text);
}
