/*
 * Modules on a remote engine: a second dockerd on this machine that cannot see e's files (its own
 * mount namespace with a private /tmp, where every shared directory of these tests lives). A bind
 * mount would show the module an empty /shared; e must carry the staged copy there and back.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startPostgres, type TestPostgres } from './support/postgres.js';
import { e, eIn, ROOT, tempShared } from './support/run-e.js';
import { type SecondEngine, startSecondEngine } from './support/second-engine.js';

const REPOSITORY = join(ROOT, 'repository.yml');

let engine: SecondEngine;

beforeAll(async () => {
  engine = await startSecondEngine();
}, 90_000);

afterAll(async () => {
  await engine?.stop();
}, 60_000);

/** What the second engine still holds of e's runs: containers and volumes (none after a run). */
async function leftovers(): Promise<{ containers: number; volumes: number }> {
  const containers = await engine.docker.listContainers({ all: true });
  const volumes = (await engine.docker.listVolumes()).Volumes ?? [];
  return { containers: containers.length, volumes: volumes.length };
}

describe('a remote engine (DOCKER_HOST=tcp://..., or --engine)', () => {
  it('cannot see the shared directory: a bind mount of it shows an empty folder', async () => {
    const shared = tempShared();
    writeFileSync(join(shared, 'marker'), 'here\n');
    const image = 'localhost:5000/modules/hello:0.1.0';
    await new Promise<void>((resolve, reject) =>
      engine.docker.pull(image, (error: Error | null, stream: NodeJS.ReadableStream) => {
        if (error) return reject(error);
        engine.docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve()));
      }),
    );
    const container = await engine.docker.createContainer({
      Image: image,
      Entrypoint: ['ls', '-A', '/x'],
      HostConfig: { Binds: [`${shared}:/x`] },
    });
    try {
      const waited = container.wait({ condition: 'next-exit' });
      await container.start();
      await waited;
      const logs = (await container.logs({ stdout: true, stderr: true })).toString('utf8');
      expect(logs).not.toContain('marker');
    } finally {
      await container.remove({ force: true });
    }
  });

  it('runs the walk-through (azi, a hand edit, kafka): the module files come back and nothing is left on the engine', async () => {
    const shared = tempShared();
    const base = ['-r', REPOSITORY, '-s', shared];
    const env = { DOCKER_HOST: engine.host };

    const initAzi = await e([...base, 'module', 'init', 'azi'], { env });
    expect(initAzi.exitCode, initAzi.stderr).toBe(0);
    expect(existsSync(join(shared, 'azi-config.yml'))).toBe(true);

    const applyAzi = await e([...base, 'apply', 'azi', '-y'], { env });
    expect(applyAzi.exitCode, applyAzi.stderr).toBe(0);
    const afterAzi = parse(readFileSync(join(shared, 'state.yml'), 'utf8'));
    expect(afterAzi.azi.nodes).toHaveLength(5);

    // a person edits node 1's IPs by hand
    const state = readFileSync(join(shared, 'state.yml'), 'utf8');
    const edited = state.replace(/(privateIP: 10\.0\.0\.)1$/m, '$1100').replace(/(publicIP: 213\.1\.1\.)1$/m, '$1100');
    expect(edited).not.toBe(state);
    writeFileSync(join(shared, 'state.yml'), edited);

    // the same engine chosen by --engine instead of DOCKER_HOST
    const engineFlag = ['--engine', engine.host];
    const initKafka = await e([...base, ...engineFlag, 'module', 'init', 'kafka']);
    expect(initKafka.exitCode, initKafka.stderr).toBe(0);
    const kafkaConfig = readFileSync(join(shared, 'kafka-config.yml'), 'utf8');
    expect(kafkaConfig).toContain('10.0.0.100');

    const applyKafka = await e([...base, ...engineFlag, 'apply', 'kafka', '-y']);
    expect(applyKafka.exitCode, applyKafka.stderr).toBe(0);
    const afterKafka = parse(readFileSync(join(shared, 'state.yml'), 'utf8'));
    expect(afterKafka.kafka).toBeDefined();
    const node1 = afterKafka.azi.nodes.find((n: { privateIP: string }) => n.privateIP === '10.0.0.100');
    expect(node1?.usedBy).toBe('kafka');

    expect(await leftovers()).toEqual({ containers: 0, volumes: 0 });
  }, 240_000);

  it('e doctor says the engine is remote, with its platform', async () => {
    const shared = tempShared();
    const result = await e(['-r', REPOSITORY, '-s', shared, '--engine', engine.host, 'doctor', '-o', 'json']);
    expect(result.exitCode, result.stderr).toBe(0);
    const { checks } = JSON.parse(result.stdout) as { checks: { check: string; status: string; detail: string }[] };
    expect(checks.find((c) => c.check === 'engine')?.detail).toBe(
      `remote at DOCKER_HOST=${engine.host} (the shared directory travels to it as a tar for each run), linux/amd64`,
    );
    expect(checks.find((c) => c.check === 'emulation')?.status).toBe('warn');
    expect(checks.find((c) => c.check === 'registry')?.status).toBe('ok');
  });
});

describe('the merge rules hold on a remote engine (what comes back is judged as a local run)', () => {
  /** misbehave initialised in a shared directory with azi's section and config, and a file in .inputs. */
  async function prepared(): Promise<{ shared: string; env: Record<string, string> }> {
    const shared = tempShared();
    writeFileSync(join(shared, 'state.yml'), 'azi:\n  status: applied\n');
    writeFileSync(join(shared, 'azi-config.yml'), 'size: 2 # by hand\n');
    mkdirSync(join(shared, '.inputs'));
    writeFileSync(join(shared, '.inputs/package.txt'), 'an input\n');
    const env = { DOCKER_HOST: engine.host };
    const init = await eIn(shared, ['init', 'misbehave'], { env });
    expect(init.exitCode, init.stderr).toBe(0);
    return { shared, env };
  }

  it('own-files: its section, config and directory come back and are merged (with inputs in a read-only volume)', async () => {
    const { shared, env } = await prepared();
    const result = await eIn(shared, ['module', 'run', 'misbehave', 'own-files'], { env });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(readFileSync(join(shared, 'misbehave-config.yml'), 'utf8')).toBe('wanted: more\n');
    expect(readFileSync(join(shared, 'misbehave/data/notes.txt'), 'utf8')).toBe('mine\n');
    expect(parse(readFileSync(join(shared, 'state.yml'), 'utf8')).misbehave).toMatchObject({ files: 2 });
    expect(await leftovers()).toEqual({ containers: 0, volumes: 0 });
  });

  it.each([
    ['edit-other-config', 'misbehave changed azi-config.yml, which belongs to azi'],
    ['write-outside', 'misbehave created notes.txt, which no module owns'],
    ['delete-other', 'misbehave deleted section azi'],
    ['fifo-state', 'the module made state.yml a fifo'],
  ])('%s is refused and nothing is merged', async (mode, message) => {
    const { shared, env } = await prepared();
    const before = readFileSync(join(shared, 'state.yml'), 'utf8');
    const result = await eIn(shared, ['module', 'run', 'misbehave', mode], { env });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(message);
    expect(readFileSync(join(shared, 'state.yml'), 'utf8')).toBe(before);
    expect(readFileSync(join(shared, 'azi-config.yml'), 'utf8')).toBe('size: 2 # by hand\n');
    expect(existsSync(join(shared, 'notes.txt'))).toBe(false);
    expect(readdirSync(join(shared, '.e/runs'))).toEqual([]);
    expect(await leftovers()).toEqual({ containers: 0, volumes: 0 });
  });
});

describe('a remote engine with the state in PostgreSQL', () => {
  let pg: TestPostgres;
  beforeAll(async () => {
    pg = await startPostgres();
  }, 60_000);
  afterAll(() => pg?.stop());

  it("runs the walk-through on the second engine; the modules' files reach the PostgreSQL environment", async () => {
    const work = tempShared();
    const state = ['--state', pg.stateUrl('remote_walk'), '--env', 'walk', '--engine', engine.host];
    const base = ['-r', REPOSITORY, '-s', work, ...state];
    for (const args of [
      ['module', 'init', 'azi'],
      ['apply', 'azi', '-y'],
    ]) {
      const result = await e([...base, ...args]);
      expect(result.exitCode, `${args.join(' ')}: ${result.stderr}`).toBe(0);
    }
    const text = readFileSync(join(work, 'state.yml'), 'utf8');
    writeFileSync(
      join(work, 'state.yml'),
      text.replace(/(privateIP: 10\.0\.0\.)1$/m, '$1100').replace(/(publicIP: 213\.1\.1\.)1$/m, '$1100'),
    );
    for (const args of [
      ['module', 'init', 'kafka'],
      ['apply', 'kafka', '-y'],
    ]) {
      const result = await e([...base, ...args]);
      expect(result.exitCode, `${args.join(' ')}: ${result.stderr}`).toBe(0);
    }
    // another working copy, filled from PostgreSQL alone
    const fresh = tempShared();
    const show = await e(['-r', REPOSITORY, '-s', fresh, ...state, 'state', 'show', '-o', 'json']);
    expect(show.exitCode, show.stderr).toBe(0);
    const canonical = readFileSync(join(fresh, 'state.yml'), 'utf8');
    const parsed = parse(canonical);
    expect(parsed.kafka).toBeDefined();
    expect(parsed.azi.nodes.find((n: { privateIP: string }) => n.privateIP === '10.0.0.100')?.usedBy).toBe('kafka');
    expect(readFileSync(join(fresh, 'kafka-config.yml'), 'utf8')).toContain('10.0.0.100');
    expect(readFileSync(join(fresh, 'azi-config.yml'), 'utf8')).toBe(
      readFileSync(join(work, 'azi-config.yml'), 'utf8'),
    );
    expect(await leftovers()).toEqual({ containers: 0, volumes: 0 });

    // e doctor sees the PostgreSQL environment and its free lock, and the remote engine
    const doctor = await e(['-r', REPOSITORY, '-s', fresh, ...state, 'doctor', '-o', 'json']);
    expect(doctor.exitCode, doctor.stderr).toBe(0);
    const { checks } = JSON.parse(doctor.stdout) as { checks: { check: string; status: string; detail: string }[] };
    expect(checks.find((c) => c.check === 'state')?.detail).toMatch(
      /^postgres:\/\/e@127\.0\.0\.1:\d+\/postgres.*environment walk.* answers$/,
    );
    expect(checks.find((c) => c.check === 'lock')).toEqual({ check: 'lock', status: 'ok', detail: 'free' });
    expect(checks.find((c) => c.check === 'engine')?.detail).toMatch(/^remote at /);
  }, 300_000);
});
