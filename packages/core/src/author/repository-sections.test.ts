import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findComponent } from '../repository/find-module.js';
import type { Repository } from '../repository/model.js';
import { parseRepository } from '../repository/parse-repository.js';
import { repositorySections } from './repository-sections.js';

const file = new URL('../../../../repository.yml', import.meta.url);
const repository = parseRepository(readFileSync(file, 'utf8'), 'repository.yml').value as Repository;

function sections(module: string, state: Record<string, unknown> = {}): string[] {
  const version = findComponent(repository, module)?.versions[0];
  if (version === undefined) throw new Error(`no ${module} in repository.yml`);
  return repositorySections(repository, module, version, state);
}

describe('repositorySections', () => {
  it.each([
    // strong: azure/aws infrastructure; weak: logs-storage, prometheus monitoring; influences: monitoring
    ['kafka', ['awsi', 'azi', 'logging', 'monitoring']],
    ['rook', ['kubernetes']],
    ['azi', []],
  ])('%s may change %j', (module, expected) => {
    expect(sections(module)).toEqual(expected);
  });

  it("judges by e's records in the mocked state when it has them", () => {
    const state = { e: { installed: { azi: { labels: { kind: 'something-else' } } } } };
    expect(sections('kafka', state)).not.toContain('azi');
  });
});
