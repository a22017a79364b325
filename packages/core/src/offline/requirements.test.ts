import { describe, expect, it } from 'vitest';
import { isEError } from '../errors.js';
import { parseRepository } from '../repository/parse-repository.js';
import type { InstalledRecord } from '../state/installed-records.js';
import { collectNeeds, selectModules } from './requirements.js';

const COMMANDS = `        commands: [{name: metadata, command: metadata}, {name: init, command: init}, {name: plan, command: plan}, {name: apply, command: apply}, {name: audit, command: audit}]\n`;
const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

const text = `version: v1
kind: Repository
components:
  - name: app
    type: docker
    versions:
      - version: 0.2.0
        latest: true
        image: localhost:5000/modules/app:0.2.0
        labels: {kind: app}
        requires:
          strong:
            - - {key: kind, operator: eq, values: [db]}
        requirements:
          images: [localhost:5000/vendor/shared:1.0, {image: localhost:5000/vendor/arm-only:1.0, architectures: [arm64]}]
          files:
            - {name: z.tgz, url: "https://example.org/z.tgz", sha256: ${A}, size: 100}
            - {name: amd.bin, url: "https://example.org/amd.bin", sha256: ${B}, architectures: [amd64]}
          packages:
            - {name: zlib1g, version: "1:1.2.13", os: debian-12}
            - {name: curl, version: "7.88.1-10", os: debian-12, architectures: [arm64]}
${COMMANDS}      - version: 0.1.0
        image: localhost:5000/modules/app:0.1.0
        labels: {kind: app}
${COMMANDS}  - name: db
    type: docker
    versions:
      - version: 1.0.0
        images: {amd64: localhost:5000/modules/db:1.0.0-amd64, arm64: localhost:5000/modules/db:1.0.0-arm64}
        labels: {kind: db}
        requirements:
          images: [localhost:5000/vendor/shared:1.0]
          files:
            - {name: z.tgz, url: "https://example.org/z.tgz", sha256: ${A}}
            - {name: a.tgz, url: "https://example.org/a.tgz", sha256: ${B}}
          packages:
            - {name: curl, version: "7.88.1-10", os: debian-12}
            - {name: curl, version: "7.81.0-1", os: ubuntu-22.04}
${COMMANDS}`;

const repository = () => {
  const { value, problems } = parseRepository(text, 'r.yml');
  expect(problems).toEqual([]);
  return value!;
};

const record = (version: string): InstalledRecord => ({
  version,
  labels: {},
  status: 'applied',
  installedAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  needsPlan: false,
});

const names = (modules: ReturnType<typeof selectModules>) => modules.map((m) => `${m.name}@${m.version.version}`);

describe('selectModules', () => {
  it('takes the default version, a named one, and with --with-deps what they strongly need', () => {
    const repo = repository();
    expect(names(selectModules({ repository: repo, modules: ['app'] }))).toEqual(['app@0.2.0']);
    expect(names(selectModules({ repository: repo, modules: ['app@0.1.0', 'db'] }))).toEqual(['app@0.1.0', 'db@1.0.0']);
    expect(names(selectModules({ repository: repo, modules: ['app'], withDeps: true }))).toEqual([
      'app@0.2.0',
      'db@1.0.0',
    ]);
  });

  it('takes the installed modules at their installed versions, each once', () => {
    const repo = repository();
    const installed = { db: record('1.0.0'), app: record('0.1.0') };
    expect(names(selectModules({ repository: repo, installed, modules: ['db'] }))).toEqual(['app@0.1.0', 'db@1.0.0']);
  });

  it('refuses an unknown module or version in one sentence', () => {
    const repo = repository();
    const codeOf = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        return isEError(error) ? [error.code, error.message] : ['not an EError', String(error)];
      }
      return ['no error'];
    };
    expect(codeOf(() => selectModules({ repository: repo, modules: ['kafak'] }))[0]).toBe('E_MODULE_UNKNOWN');
    expect(codeOf(() => selectModules({ repository: repo, modules: ['app@9.9.9'] }))).toEqual([
      'E_VERSION_UNKNOWN',
      'r.yml has no version 9.9.9 of app.',
    ]);
    expect(
      codeOf(() => selectModules({ repository: repo, modules: ['app'], installed: { app: record('0.0.1') } }))[0],
    ).toBe('E_VERSION_GONE');
  });
});

describe('collectNeeds', () => {
  it('lists every image, file and package once, with who needs it, in a stable order', () => {
    const modules = selectModules({ repository: repository(), modules: ['app', 'db'] });
    const needs = collectNeeds(modules, undefined);
    expect(needs.images).toEqual([
      { reference: 'localhost:5000/modules/app:0.2.0', kind: 'module', usedBy: ['app@0.2.0'], platforms: undefined },
      {
        reference: 'localhost:5000/modules/db:1.0.0-amd64',
        kind: 'module',
        usedBy: ['db@1.0.0'],
        platforms: ['linux/amd64'],
      },
      {
        reference: 'localhost:5000/modules/db:1.0.0-arm64',
        kind: 'module',
        usedBy: ['db@1.0.0'],
        platforms: ['linux/arm64'],
      },
      {
        reference: 'localhost:5000/vendor/arm-only:1.0',
        kind: 'requirement',
        usedBy: ['app@0.2.0'],
        platforms: ['linux/arm64'],
      },
      {
        reference: 'localhost:5000/vendor/shared:1.0',
        kind: 'requirement',
        usedBy: ['app@0.2.0', 'db@1.0.0'],
        platforms: undefined,
      },
    ]);
    expect(needs.files).toEqual([
      { name: 'a.tgz', url: 'https://example.org/a.tgz', sha256: B, usedBy: ['db@1.0.0'] },
      {
        name: 'amd.bin',
        url: 'https://example.org/amd.bin',
        sha256: B,
        architectures: ['amd64'],
        usedBy: ['app@0.2.0'],
      },
      { name: 'z.tgz', url: 'https://example.org/z.tgz', sha256: A, size: 100, usedBy: ['app@0.2.0', 'db@1.0.0'] },
    ]);
    expect(needs.packages).toEqual([
      { name: 'curl', version: '7.88.1-10', os: 'debian-12', usedBy: ['app@0.2.0', 'db@1.0.0'] },
      { name: 'zlib1g', version: '1:1.2.13', os: 'debian-12', usedBy: ['app@0.2.0'] },
      { name: 'curl', version: '7.81.0-1', os: 'ubuntu-22.04', usedBy: ['db@1.0.0'] },
    ]);
    // the same modules named in another order give the same bill
    expect(collectNeeds(selectModules({ repository: repository(), modules: ['db', 'app'] }), undefined)).toEqual(needs);
  });

  it('leaves out what only other platforms need', () => {
    const modules = selectModules({ repository: repository(), modules: ['app', 'db'] });
    const needs = collectNeeds(modules, ['linux/amd64']);
    expect(needs.images.map((i) => [i.reference, i.platforms])).toEqual([
      ['localhost:5000/modules/app:0.2.0', ['linux/amd64']],
      ['localhost:5000/modules/db:1.0.0-amd64', ['linux/amd64']],
      ['localhost:5000/vendor/shared:1.0', ['linux/amd64']],
    ]);
    expect(needs.files.map((f) => f.name)).toEqual(['a.tgz', 'amd.bin', 'z.tgz']);
    expect(needs.packages.map((p) => `${p.os} ${p.name} ${p.usedBy.join(',')}`)).toEqual([
      'debian-12 curl db@1.0.0',
      'debian-12 zlib1g app@0.2.0',
      'ubuntu-22.04 curl db@1.0.0',
    ]);
  });

  it('refuses a platform a module does not run on', () => {
    const modules = selectModules({ repository: repository(), modules: ['db'] });
    expect(() => collectNeeds(modules, ['linux/amd64', 'linux/s390x'])).toThrow(
      'db@1.0.0 does not run on linux/s390x; it offers linux/amd64, linux/arm64.',
    );
  });

  it('refuses two module versions storing different files under one name', () => {
    const { value } = parseRepository(text.replace(`sha256: ${A}}`, `sha256: ${B}}`), 'r.yml');
    const modules = selectModules({ repository: value!, modules: ['app', 'db'] });
    expect(() => collectNeeds(modules, undefined)).toThrow(
      'db@1.0.0 and app@0.2.0 both need a file named "z.tgz", but with a different sha256.',
    );
  });
});
