import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installShared, requireExampleImages } from './support/install-fixtures.js';
import { e, ROOT } from './support/run-e.js';
import { expectNoEContainers, stateData } from './support/runtime-fixtures.js';

beforeAll(() => requireExampleImages(['azi', 'awsi', 'kafka', 'monitoring']));
afterAll(expectNoEContainers);

describe('e module install kafka with monitoring present (influences)', () => {
  it('flags monitoring, runs its plan and shows the proposed changes without applying them', async () => {
    const shared = installShared();
    const repo = ['-r', join(ROOT, 'repository.yml'), '-s', shared];

    const ambiguous = await e([...repo, 'module', 'install', 'kafka', '--with-deps', '-y']);
    expect(ambiguous.exitCode).toBe(1);
    expect(ambiguous.stderr).toContain('more than one module could meet it: awsi 0.1.0, azi 0.1.0');
    expect(ambiguous.stderr).toContain('--prefer');

    for (const module of ['monitoring']) {
      const result = await e([...repo, 'module', 'install', module, '-y']);
      expect(result.exitCode, result.stderr).toBe(0);
    }
    const kafka = await e([...repo, 'module', 'install', 'kafka', '--with-deps', '--prefer', 'azi', '-y']);
    expect(kafka.exitCode, kafka.stderr).toBe(0);
    expect([...kafka.stderr.matchAll(/^==> \[(\d)\/2\] (\S+) /gm)].map((m) => m[2])).toEqual(['azi', 'kafka']);
    expect(kafka.stderr).toContain('--> monitoring plan');
    expect(kafka.stdout).toContain('monitoring is influenced by kafka; its plan proposes changes (not applied):');
    expect(kafka.stdout).toContain('monitoring.targets.kafka');

    const state = stateData(shared);
    // never applied: monitoring's section has no kafka targets yet, and its record asks for a plan
    expect((state.monitoring as { targets?: Record<string, unknown> }).targets?.kafka).toBeUndefined();
    const installed = (state.e as { installed: Record<string, { needsPlan: boolean; status: string }> }).installed;
    expect(installed.monitoring).toMatchObject({ status: 'applied', needsPlan: true });
    expect(installed.kafka).toMatchObject({ status: 'applied', needsPlan: false });

    const status = await e([...repo, 'status']);
    expect(status.exitCode, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^monitoring\s+0\.1\.0\s+applied\s+linux\/\S+\s+[0-9a-f]{12}\s+yes/m);
    expect(status.stdout).toMatch(/^kafka\s+.*kind=logs-storage/m); // the missing weak companion
    expect(status.stdout).toContain('monitoring needs a plan: e plan monitoring');

    const json = JSON.parse((await e([...repo, 'status', '-o', 'json'])).stdout);
    expect(json.modules.find((m: { module: string }) => m.module === 'monitoring').needsPlan).toBe(true);

    const graph = await e([...repo, 'graph', '--format', 'dot']);
    expect(graph.exitCode, graph.stderr).toBe(0);
    expect(graph.stdout).toContain('"kafka" -> "azi" [class=strong, style=solid');
    expect(graph.stdout).toContain('"kafka" -> "monitoring" [class=weak, style=dashed');
    expect(graph.stdout).toMatch(/"kafka" -> "monitoring" \[class=influences, style=dotted, .*label="influences"\]/);
    expect(graph.stdout).toContain(
      '"monitoring" [label="monitoring\\n0.1.0 · applied, needs plan", class="needs-plan"',
    );
    const svg = await e([...repo, 'graph', '--format', 'svg']);
    expect(svg.exitCode, svg.stderr).toBe(0);
    expect(svg.stdout).toMatch(/<g id="node\d+" class="node needs&#45;plan">\s*<title>monitoring<\/title>/);
    expect(svg.stdout).toMatch(/<g id="edge\d+" class="edge influences">\s*<title>kafka&#45;&gt;monitoring<\/title>/);
    const yaml = await e([...repo, 'graph', '-o', 'yaml']);
    expect(yaml.stdout).toContain('kind: influences');
    expect(yaml.stdout).toContain('needsPlan: true');
  });
});
