/*
 * An ssh:// engine: e reaches the engine the way the docker CLI does, through the system ssh
 * running `docker system dial-stdio` on the other side (here a throw-away sshd on 127.0.0.1 whose
 * sessions see the second engine, which cannot see e's files). The user's ssh settings decide who
 * is trusted; e keeps idle connections for the next request instead of a new SSH connection each.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { e, ROOT, RUNTIME_REPOSITORY, startE, tempShared } from './support/run-e.js';
import { type SecondEngine, startSecondEngine } from './support/second-engine.js';
import { startSshServer, type TestSshServer } from './support/ssh-server.js';

const REPOSITORY = join(ROOT, 'repository.yml');

let engine: SecondEngine;
let sshd: TestSshServer;

beforeAll(async () => {
  engine = await startSecondEngine();
  sshd = await startSshServer(engine.host);
}, 90_000);

afterAll(async () => {
  sshd?.stop();
  await engine?.stop();
}, 60_000);

describe('an ssh:// engine (--engine ssh://user@host:port)', () => {
  it('installs azi through ssh: the module files come back, few SSH connections, nothing left on the engine', async () => {
    const shared = tempShared();
    const base = ['-r', REPOSITORY, '-s', shared, '--engine', sshd.url];
    const before = sshd.connections();
    const install = await e([...base, 'module', 'install', 'azi', '-y'], { env: sshd.env });
    expect(install.exitCode, install.stderr).toBe(0);
    expect(install.stderr).not.toMatch(/DeprecationWarning|\n\s+at /);
    const state = parse(readFileSync(join(shared, 'state.yml'), 'utf8'));
    expect(state.azi.nodes).toHaveLength(5);
    // written by the module inside the engine's volume, carried back through ssh
    expect(readdirSync(join(shared, 'azi/remote/vms')).sort()).toEqual([
      'vm-0.yml',
      'vm-1.yml',
      'vm-2.yml',
      'vm-3.yml',
      'vm-4.yml',
    ]);
    const installConnections = sshd.connections() - before;

    const plan = await e([...base, 'plan', 'azi'], { env: sshd.env });
    expect(plan.exitCode, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('no changes');
    // a run holds one connection for its output and one for its exit; the other requests reuse an idle one
    const planConnections = sshd.connections() - before - installConnections;
    expect(planConnections).toBeGreaterThan(0);
    expect(planConnections).toBeLessThanOrEqual(4);

    expect((await engine.docker.listContainers({ all: true })).length).toBe(0);
    expect((await engine.docker.listVolumes()).Volumes ?? []).toHaveLength(0);
  }, 240_000);

  it('Ctrl-C (SIGINT to the whole process group, ssh included) stops and removes the container through ssh', async () => {
    const shared = tempShared();
    const run = startE(
      ['-r', RUNTIME_REPOSITORY, '-s', shared, '--engine', sshd.url, 'module', 'run', 'slow-a', 'hang'],
      {
        env: sshd.env,
        processGroup: true,
      },
    );
    const deadline = Date.now() + 120_000;
    while ((await engine.docker.listContainers({ filters: { status: ['running'] } })).length === 0) {
      if (Date.now() > deadline || run.child.exitCode !== null) throw new Error('the module container never ran');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    process.kill(-(run.child.pid as number), 'SIGINT');
    const result = await run.done;
    expect(result.exitCode, result.stderr).toBe(130);
    expect(result.stderr).toContain('slow-a hang was interrupted, so e stopped and removed its container');
    expect((await engine.docker.listContainers({ all: true })).length).toBe(0);
    expect((await engine.docker.listVolumes()).Volumes ?? []).toHaveLength(0);
  }, 240_000);

  it('refuses a host that ssh does not trust, in one sentence, and writes nothing', async () => {
    const shared = tempShared();
    const result = await e(['-r', REPOSITORY, '-s', shared, '--engine', sshd.url, 'module', 'install', 'azi', '-y'], {
      env: sshd.envWithoutKnownHost,
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`No Docker engine answers at DOCKER_HOST=${sshd.url}`);
    expect(result.stderr).toContain('Host key verification failed');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(shared, 'state.yml'))).toBe(false);
  }, 60_000);
});
