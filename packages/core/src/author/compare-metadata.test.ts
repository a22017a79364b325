import { describe, expect, it } from 'vitest';
import type { ModuleVersion } from '../repository/model.js';
import { compareMetadata } from './compare-metadata.js';

const entry: Pick<ModuleVersion, 'labels' | 'requires' | 'influences'> = {
  labels: { version: '0.1.0', kind: 'stream-processor', replicas: 3 },
  requires: {
    strong: [
      [
        { key: 'kind', operator: 'eq', values: ['infrastructure'] },
        { key: 'provider', operator: 'in', values: ['azure', 'aws'] },
      ],
    ],
    weak: [[{ key: 'kind', operator: 'eq', values: ['logs-storage'] }]],
  },
  influences: [[{ key: 'kind', operator: 'eq', values: ['monitoring'] }]],
};

const same = `labels: {version: 0.1.0, kind: stream-processor, replicas: 3}
requires:
  strong:
    - - {key: kind, operator: eq, values: [infrastructure]}
      - {key: provider, operator: in, values: [azure, aws]}
  weak:
    - - {key: kind, operator: eq, values: [logs-storage]}
influences:
  - - {key: kind, operator: eq, values: [monitoring]}
`;

describe('compareMetadata', () => {
  it.each([
    ['the same text', same],
    [
      'other orders and spellings',
      `influences:
  - - {key: kind, operator: eq, values: [monitoring]}
requires:
  weak:
    - - {key: kind, operator: eq, values: [logs-storage]}
  strong:
    - - {key: provider, operator: In, values: [aws, azure]}
      - {key: kind, operator: eq, values: [infrastructure]}
labels: {replicas: "3", kind: stream-processor, version: "0.1.0"}
`,
    ],
  ])('finds no difference for %s', (_what, printed) => {
    expect(compareMetadata(printed, entry)).toEqual({ equal: true, differences: [] });
  });

  it.each([
    [
      'a changed label',
      same.replace('version: 0.1.0', 'version: 0.1.1'),
      ['labels.version: repository "0.1.0", image "0.1.1"'],
    ],
    ['a missing label', same.replace(', replicas: 3', ''), ['labels.replicas: repository "3", image nothing']],
    [
      '1.10 read as the number 1.1',
      same.replace('version: 0.1.0', 'version: 1.10'),
      ['labels.version: repository "0.1.0", image "1.1"'],
    ],
    [
      'a changed requirement',
      same.replace('[azure, aws]', '[azure]'),
      [
        'requires.strong: the repository has "kind=infrastructure,provider in (aws,azure)", the image does not',
        'requires.strong: the image has "kind=infrastructure,provider in (azure)", the repository does not',
      ],
    ],
    [
      'influences left out',
      same.slice(0, same.indexOf('influences:')),
      ['influences: the repository has "kind=monitoring", the image does not'],
    ],
    ['not YAML', 'labels: [', [expect.stringMatching(/^the output is not YAML: /)]],
    ['not a mapping', '- a\n- b\n', ['the output is not a YAML mapping with labels, requires and influences']],
    [
      'an unknown operator',
      same.replace('operator: in,', 'operator: "in,",'),
      ['requires.strong[0][1] has the unknown operator "in,"'],
    ],
  ])('reports %s', (_what, printed, differences) => {
    expect(compareMetadata(printed, entry)).toEqual({ equal: false, differences });
  });

  it('treats omitted requires and influences as empty on both sides', () => {
    const bare = { labels: { kind: 'example' }, requires: { strong: [], weak: [] }, influences: [] };
    expect(compareMetadata('labels:\n  kind: example\n', bare).equal).toBe(true);
  });
});
