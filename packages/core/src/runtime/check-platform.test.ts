import { describe, expect, it } from 'vitest';
import type { ModuleVersion } from '../repository/model.js';
import { checkPulledArchitecture, checkRegistryPlatforms, chooseImage } from './check-platform.js';
import { parsePlatform, platformFromEngineInfo } from './platform.js';

function version(fields: Partial<ModuleVersion>): ModuleVersion {
  return {
    version: '0.1.0',
    latest: false,
    mounts: [],
    labels: {},
    requires: { strong: [], weak: [] },
    influences: [],
    requirements: { images: [], files: [], packages: [] },
    commands: [],
    ...fields,
  };
}

const arm64 = parsePlatform('linux/arm64');
const amd64 = parsePlatform('linux/amd64');

describe('platforms', () => {
  it.each([
    [{ OSType: 'linux', Architecture: 'x86_64' }, 'amd64'],
    [{ OSType: 'linux', Architecture: 'aarch64' }, 'arm64'],
    [{ OSType: 'linux', Architecture: 'arm64' }, 'arm64'],
  ])('engine %j is linux/%s', (info, arch) => {
    expect(platformFromEngineInfo(info)).toEqual({ os: 'linux', architecture: arch });
  });

  it.each([
    ['linux/arm64/v8', { os: 'linux', architecture: 'arm64', variant: 'v8' }],
    ['arm64', { os: 'linux', architecture: 'arm64' }],
    ['linux/x86_64', { os: 'linux', architecture: 'amd64' }],
  ])('parses %s', (text, platform) => expect(parsePlatform(text)).toEqual(platform));

  it.each(['', 'linux/', '/arm64', 'linux/arm64/v8/x', 'linux/ar m'])('refuses %j in one sentence', (text) => {
    expect(() => parsePlatform(text)).toThrow(/is not a platform; use os\/arch/);
  });
});

describe('pre-flight', () => {
  it('refuses a platform the declared architectures leave out, listing them', () => {
    expect(() => chooseImage('kafka', version({ image: 'r/kafka:1', architectures: ['amd64'] }), arm64)).toThrow(
      'kafka 0.1.0 cannot run on linux/arm64: the repository offers linux/amd64.',
    );
  });

  it('picks from the images map, normalising names, and refuses a missing architecture', () => {
    const v = version({ images: { x86_64: 'r/a:amd64', aarch64: 'r/a:arm64' } });
    expect(chooseImage('a', v, arm64)).toEqual({ ref: 'r/a:arm64', perArchitecture: true });
    expect(() => chooseImage('a', version({ images: { amd64: 'r/a:amd64' } }), arm64)).toThrow(
      'a 0.1.0 cannot run on linux/arm64: its images map offers linux/amd64.',
    );
  });

  it('refuses when the registry holds other platforms only', () => {
    expect(() => checkRegistryPlatforms('a', version({}), 'r/a:1', arm64, [amd64])).toThrow(
      'a 0.1.0 cannot run on linux/arm64: the registry (r/a:1) offers linux/amd64.',
    );
    expect(() => checkRegistryPlatforms('a', version({}), 'r/a:1', arm64, [amd64, arm64])).not.toThrow();
  });

  it('catches an amd64 image that was "pulled for arm64"', () => {
    expect(() => checkPulledArchitecture('r/a:1', arm64, { os: 'linux', architecture: 'amd64' })).toThrow(
      'r/a:1 was pulled for linux/arm64, but the image is built for linux/amd64.',
    );
    expect(() => checkPulledArchitecture('r/a:1', arm64, { os: 'linux', architecture: 'aarch64' })).not.toThrow();
  });
});
