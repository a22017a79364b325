import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installShared, requireExampleImages } from './support/install-fixtures.js';
import { e, ROOT } from './support/run-e.js';
import { expectNoEContainers, stateData } from './support/runtime-fixtures.js';

beforeAll(() => requireExampleImages(['azi', 'kubernetes', 'rook', 'postgresql']));
afterAll(expectNoEContainers);

function history(shared: string): string[] {
  const dir = join(shared, '.e/history');
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** The design's story (seed 002): PostgreSQL needs persistence, which needs Kubernetes, on infrastructure. */
describe('e module install postgresql (the design story)', () => {
  it('plain install fails before any container runs; --with-deps installs kubernetes → rook → postgresql', async () => {
    const shared = installShared();
    const repo = ['-r', join(ROOT, 'repository.yml'), '-s', shared];

    const infra = await e([...repo, 'module', 'install', 'azi', '-y']);
    expect(infra.exitCode, infra.stderr).toBe(0);
    const runsBefore = history(shared).length;

    const plain = await e([...repo, 'module', 'install', 'postgresql', '-y']);
    expect(plain.exitCode).toBe(1);
    expect(plain.stderr).toContain('cannot install postgresql:');
    expect(plain.stderr).toContain(
      'postgresql 0.1.0 needs kind=persistence: nothing installed matches; candidates: rook 0.1.0',
    );
    expect(plain.stderr).toContain('--with-deps');
    expect(plain.stderr).not.toMatch(/^\s+at /m); // no stack trace
    expect(history(shared)).toHaveLength(runsBefore); // nothing ran

    const dry = await e([...repo, 'module', 'install', 'postgresql', '--with-deps', '--dry-run', '-o', 'json']);
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout).steps.map((s: { module: string }) => s.module)).toEqual([
      'kubernetes',
      'rook',
      'postgresql',
    ]);
    expect(history(shared)).toHaveLength(runsBefore);

    const full = await e([...repo, 'module', 'install', 'postgresql', '--with-deps', '-y']);
    expect(full.exitCode, full.stderr).toBe(0);
    const order = [...full.stderr.matchAll(/^==> \[(\d)\/3\] (\S+) /gm)].map((m) => m[2]);
    expect(order).toEqual(['kubernetes', 'rook', 'postgresql']);
    for (const module of ['kubernetes', 'rook', 'postgresql']) {
      for (const command of ['metadata', 'init', 'plan', 'apply'])
        expect(full.stderr).toContain(`--> ${module} ${command}`);
    }
    const installed = (stateData(shared).e as { installed: Record<string, { status: string; version: string }> })
      .installed;
    expect(Object.keys(installed).sort()).toEqual(['azi', 'kubernetes', 'postgresql', 'rook']);
    for (const record of Object.values(installed)) expect(record.status).toBe('applied');
    expect((stateData(shared).postgresql as { storageClass?: string }).storageClass).toBe('rook-ceph-block');

    const status = await e([...repo, 'status', '-o', 'json']);
    expect(status.exitCode, status.stderr).toBe(0);
    expect(
      JSON.parse(status.stdout).modules.map((m: { module: string; status: string }) => `${m.module}:${m.status}`),
    ).toEqual(['azi:applied', 'kubernetes:applied', 'postgresql:applied', 'rook:applied']);

    const graph = await e([...repo, 'graph']);
    expect(graph.exitCode, graph.stderr).toBe(0);
    expect(graph.stdout).toContain('m_postgresql -->|"requires: kind=persistence"| m_rook');
    expect(graph.stdout).toContain('m_rook -->|"requires: kind=orchestrator,core-technology=kubernetes"| m_kubernetes');

    const remove = await e([...repo, 'module', 'remove', 'rook', '-y']);
    expect(remove.exitCode).toBe(1);
    expect(remove.stderr).toContain(
      'rook cannot be removed: postgresql 0.1.0 (needs kind=persistence) strongly requires it.',
    );
  });
});
