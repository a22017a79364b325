import { describe, expect, it } from 'vitest';
import { parseStateText, renderStateText } from './state-file.js';

const handWritten = `# Shared state of the platform.
azi:   # infrastructure, written by the azi module
  size: 5
  nodes: [ {name: n1, ip: '10.0.0.1'},   {name: n2, ip: "10.0.0.2"} ]
  version: "1.10"

e:
  installed:
    azi: {version: "0.1.0", status: applied}
  # e keeps its records here

kafka:
    status: initialized    # four-space indent, kept
# end of file
`;

function edit(text: string, fn: (doc: import('yaml').Document) => void): string {
  const parsed = parseStateText(text);
  if (!parsed.ok) throw new Error(parsed.problem);
  fn(parsed.doc);
  return renderStateText(text, parsed.doc);
}

describe('parseStateText', () => {
  it.each([
    { text: '', data: {} },
    { text: '# only a comment\n', data: {} },
    { text: '~\n', data: {} },
    { text: 'a: 1\n', data: { a: 1 } },
    { text: 'version: "1.10"\n', data: { version: '1.10' } },
  ])('$text is a state', ({ text, data }) => {
    const parsed = parseStateText(text);
    expect(parsed.ok && parsed.data).toEqual(data);
  });

  it.each([
    { text: '- a\n', problem: '1:1: the state must be a mapping of sections, not a sequence' },
    { text: '\n\n  42\n', problem: '3:3: the state must be a mapping of sections, not the scalar "42"' },
    { text: 'a: 1\na: 2\n', problem: '2:1: Map keys must be unique' },
    { text: 'a: 1\n---\nb: 2\n', problem: '2:1: Source contains multiple documents (the state must be one document)' },
  ])('$text is not a state', ({ text, problem }) => {
    const parsed = parseStateText(text);
    expect(parsed.ok ? 'parsed' : parsed.problem).toBe(problem);
  });
});

describe('renderStateText', () => {
  it('changes only the reserved section, byte for byte elsewhere', () => {
    const out = edit(handWritten, (doc) => doc.setIn(['e', 'installed', 'kafka'], doc.createNode({ version: '1.10' })));
    const start = handWritten.indexOf('e:\n');
    const end = handWritten.indexOf('kafka:\n');
    expect(out.slice(0, start)).toBe(handWritten.slice(0, start));
    expect(out.slice(out.indexOf('kafka:\n    status'))).toBe(handWritten.slice(end));
    expect(out).toContain('version: "1.10"');
    expect(out).toContain('# e keeps its records here');
    const reparsed = parseStateText(out);
    expect(reparsed.ok && reparsed.data.e).toEqual({
      installed: { azi: { version: '0.1.0', status: 'applied' }, kafka: { version: '1.10' } },
    });
  });

  it('appends the reserved section when there is none, keeping the rest', () => {
    const text = 'azi:   # spaced\n  size: 5\nkafka: {status: x}';
    const out = edit(text, (doc) => doc.setIn(['e', 'installed'], doc.createNode({})));
    expect(out).toBe(`${text}\ne:\n  installed: {}\n`);
  });

  it('writes into an empty or comment-only file', () => {
    expect(edit('', (doc) => doc.set('e', doc.createNode({ a: 1 })))).toBe('e:\n  a: 1\n');
    expect(edit('# hello\n', (doc) => doc.set('e', doc.createNode({ a: 1 })))).toBe('# hello\ne:\n  a: 1\n');
  });

  it('re-renders the whole document, comments kept, when more than e changed', () => {
    const out = edit(handWritten, (doc) => doc.setIn(['azi', 'size'], 6));
    expect(out).toContain('# infrastructure, written by the azi module');
    expect(out).toContain('# end of file');
    const reparsed = parseStateText(out);
    expect(reparsed.ok && reparsed.data.azi).toMatchObject({ size: 6, version: '1.10' });
    expect(Object.keys(reparsed.ok ? reparsed.data : {})).toEqual(['azi', 'e', 'kafka']);
  });

  it('removes the reserved section cleanly', () => {
    const out = edit(handWritten, (doc) => doc.delete('e'));
    const reparsed = parseStateText(out);
    expect(Object.keys(reparsed.ok ? reparsed.data : {})).toEqual(['azi', 'kafka']);
    expect(out.startsWith(handWritten.slice(0, handWritten.indexOf('e:\n')))).toBe(true);
  });

  it('handles a flow-style top level by re-rendering', () => {
    const out = edit('{a: 1, e: {x: 1}}\n', (doc) => doc.setIn(['e', 'x'], 2));
    const reparsed = parseStateText(out);
    expect(reparsed.ok && reparsed.data).toEqual({ a: 1, e: { x: 2 } });
  });
});
