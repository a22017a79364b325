import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { setTopLevel } from './update-document.js';

describe('setTopLevel', () => {
  const source = [
    '# the state',
    'azi:',
    '  status: applied',
    '  nodes:',
    '    - privateIP: 10.0.0.0 # first',
    '      usedBy: unused',
    '    - privateIP: 10.0.0.100 # edited by hand',
    '      usedBy: unused',
    'kafka: {status: initialized}',
    '',
  ].join('\n');

  it.each([
    {
      name: 'changes one scalar and keeps comments elsewhere',
      key: 'azi',
      value: {
        status: 'applied',
        nodes: [
          { privateIP: '10.0.0.0', usedBy: 'kafka' },
          { privateIP: '10.0.0.100', usedBy: 'unused' },
        ],
      },
      contains: ['# the state', '# first', 'usedBy: kafka', '# edited by hand'],
    },
    {
      name: 'adds a new section at the end',
      key: 'monitoring',
      value: { status: 'applied' },
      contains: ['kafka: { status: initialized }\nmonitoring:\n  status: applied'],
    },
    {
      name: 'removes list items and keys',
      key: 'azi',
      value: { nodes: [{ privateIP: '10.0.0.0' }] },
      contains: ['# the state', 'privateIP: 10.0.0.0 # first'],
      absent: ['10.0.0.100', 'status: applied', 'usedBy'],
    },
  ])('$name', ({ key, value, contains, absent = [] }) => {
    const doc = parseDocument(source);
    setTopLevel(doc, key, value);
    const text = doc.toString();
    for (const s of contains) expect(text).toContain(s);
    for (const s of absent) expect(text).not.toContain(s);
    expect(doc.toJS()[key]).toEqual(value);
  });

  it('turns an empty document into a mapping', () => {
    const doc = parseDocument('');
    setTopLevel(doc, 'azi', { status: 'initialized' });
    expect(doc.toString()).toBe('azi:\n  status: initialized\n');
  });
});
