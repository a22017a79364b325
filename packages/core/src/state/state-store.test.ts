import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getInstalled, readInstalled, removeInstalled, setInstalled } from './installed-records.js';
import { loadState, reloadState, saveState, writeStateText } from './state-store.js';

let shared: string;
beforeEach(async () => {
  shared = await mkdtemp(join(tmpdir(), 'e-state-store-'));
});
afterEach(async () => {
  await rm(shared, { recursive: true, force: true });
});

const handWritten = `# platform state — edited by modules and by hand
azi:   # the infrastructure
  size: 5
  nodes: [ {name: n1, privateIp: '10.0.0.1'} ]
kafka:
    status: initialized   # odd indent on purpose
`;

describe('state store on a real file system', () => {
  it('reloadState returns the loaded state while the file is unchanged, and reads it again once it changed', async () => {
    const missing = await loadState(shared);
    expect(await reloadState(missing)).toBe(missing);
    await writeStateText(shared, handWritten);
    const written = await reloadState(missing);
    expect(written).toMatchObject({ exists: true, text: handWritten });
    expect(await reloadState(written)).toBe(written);
    await writeStateText(shared, `${handWritten}logging: {}\n`);
    expect((await reloadState(written)).data).toHaveProperty('logging');
    await writeStateText(shared, '');
    expect(await reloadState(written)).toMatchObject({ exists: true, text: '', data: {} });
    await writeStateText(shared, undefined);
    expect(await reloadState(written)).toMatchObject({ exists: false, text: '' });
  });

  it('treats a missing state.yml as the empty state', async () => {
    const state = await loadState(shared);
    expect(state).toMatchObject({ exists: false, text: '', data: {} });
  });

  it('reports a state that is not a mapping with file:line:col, and leaves the file alone', async () => {
    const path = join(shared, 'state.yml');
    await writeFile(path, '# comment\n- kafka\n');
    await expect(loadState(shared)).rejects.toThrow(
      `${path}:2:1: the state must be a mapping of sections, not a sequence.`,
    );
    await writeFile(path, 'azi: {size: 5\n');
    await expect(loadState(shared)).rejects.toThrow(new RegExp(`^${path}:2:1: `));
    expect(await readFile(path, 'utf8')).toBe('azi: {size: 5\n');
  });

  it('saves atomically, keeping every byte outside e: when e edits its records', async () => {
    await writeStateText(shared, handWritten);
    const state = await loadState(shared);
    setInstalled(
      state,
      'azi',
      { version: '1.10', status: 'applied', labels: { kind: 'infrastructure', provider: 'azure' } },
      new Date('2024-05-01T10:00:00Z'),
    );
    const text = await saveState(state);
    expect(text.startsWith(handWritten)).toBe(true);
    expect(await readFile(join(shared, 'state.yml'), 'utf8')).toBe(text);
    expect(await readdir(shared)).toEqual(['state.yml']); // no temporary file left behind

    const again = await loadState(shared);
    expect(getInstalled(again, 'azi')).toEqual({
      version: '1.10',
      status: 'applied',
      labels: { kind: 'infrastructure', provider: 'azure' },
      installedAt: '2024-05-01T10:00:00.000Z',
      updatedAt: '2024-05-01T10:00:00.000Z',
      needsPlan: false,
    });

    // a second edit keeps installedAt and the bytes before e:
    setInstalled(again, 'azi', { version: '1.11', status: 'applied', labels: {} }, new Date('2024-06-01T00:00:00Z'));
    setInstalled(again, 'kafka', { version: '0.1.0', status: 'initialized', labels: {}, needsPlan: true });
    const second = await saveState(again);
    expect(second.startsWith(handWritten)).toBe(true);
    const third = await loadState(shared);
    expect(readInstalled(third).azi).toMatchObject({ version: '1.11', installedAt: '2024-05-01T10:00:00.000Z' });
    expect(readInstalled(third).kafka?.needsPlan).toBe(true);
    expect(removeInstalled(third, 'kafka')).toBe(true);
    expect(Object.keys(readInstalled(third))).toEqual(['azi']);
  });

  it('reports a malformed record with its position and path', async () => {
    const path = join(shared, 'state.yml');
    await writeFile(path, 'e:\n  installed:\n    azi:\n      version: "0.1.0"\n      status: [applied]\n');
    const state = await loadState(shared);
    expect(() => readInstalled(state)).toThrow(`${path}:5:15: e.installed.azi.status: `);
  });

  it('writes records under an empty e: key', async () => {
    await writeStateText(shared, 'azi: {}\ne:\n');
    const state = await loadState(shared);
    setInstalled(state, 'azi', { version: '0.1.0', status: 'applied', labels: {} });
    await saveState(state);
    expect(Object.keys(readInstalled(await loadState(shared)))).toEqual(['azi']);
  });
});
