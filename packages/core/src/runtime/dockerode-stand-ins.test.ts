import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { bundledStandIn, dockerodeStandIns, requireFrom } from './dockerode-stand-ins.js';

const require = createRequire(import.meta.url);
const loaded = (from: 'dockerode' | 'docker-modem', id: string) =>
  require.cache[requireFrom(from, require).resolve(id)] !== undefined;

describe('the stand-ins of what dockerode requires but a run never uses', () => {
  it('covers BuildKit, tar-fs, the stdin duplex and ssh2, and debug only without DEBUG', () => {
    const ids = (env: NodeJS.ProcessEnv) => dockerodeStandIns(env).map(({ from, id }) => `${from} ${id}`);
    expect(ids({})).toEqual([
      'dockerode ./session',
      'dockerode ./buildkit',
      'dockerode tar-fs',
      'dockerode zlib',
      'docker-modem https',
      'docker-modem ./http_duplex',
      'docker-modem ssh2',
      'docker-modem debug',
    ]);
    expect(ids({ DEBUG: 'modem' })).not.toContain('docker-modem debug');
  });

  it('hands docker-modem an ssh2 whose Client loads ssh2 only when constructed', () => {
    const ssh2 = bundledStandIn('docker-modem', 'ssh2', require) as { Client: new () => { end(): void } };
    expect(typeof ssh2.Client).toBe('function');
    expect(loaded('docker-modem', 'ssh2')).toBe(false);
    new ssh2.Client().end();
    expect(loaded('docker-modem', 'ssh2')).toBe(true);
  });

  it('loads a module on first use of a property, and a function module on its first call', () => {
    const tar = bundledStandIn('dockerode', 'tar-fs', require) as { pack: unknown };
    expect(loaded('dockerode', 'tar-fs')).toBe(false);
    expect(typeof tar.pack).toBe('function');
    expect(loaded('dockerode', 'tar-fs')).toBe(true);
  });

  it("gives debug's loggers that stay off without DEBUG, and debug itself with it", () => {
    const quiet = bundledStandIn('docker-modem', 'debug', require) as (namespace: string) => {
      namespace: string;
      enabled: boolean;
    };
    const logger = quiet('modem');
    expect([logger.namespace, logger.enabled]).toEqual(['modem', false]);
    const before = process.env.DEBUG;
    process.env.DEBUG = 'modem';
    try {
      const real = bundledStandIn('docker-modem', 'debug', require);
      expect(real).toBe(requireFrom('docker-modem', require)('debug'));
    } finally {
      if (before === undefined) delete process.env.DEBUG;
      else process.env.DEBUG = before;
    }
  });
});
