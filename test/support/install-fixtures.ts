import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';

/** Fails loudly (never skips) when an example module image is not in the registry. */
export async function requireExampleImages(modules: readonly string[]): Promise<void> {
  for (const module of modules) {
    const res = await fetch(`http://127.0.0.1:5000/v2/modules/${module}/tags/list`);
    if (!res.ok) {
      throw new Error(
        `The registry has no localhost:5000/modules/${module} (HTTP ${res.status}). Run "make setup" (or node scripts/build-images.mjs --only ${module}).`,
      );
    }
  }
}

/** A throw-away shared directory named like the runtime tests' (so leftover checks see it), removed after the test. */
export function installShared(): string {
  const dir = mkdtempSync(join(tmpdir(), 'e-runtime-install-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
