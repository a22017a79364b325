import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { freePort } from './free-port.mjs';

/**
 * A SECOND Docker engine on this machine that e must treat as remote: it listens only on
 * tcp://127.0.0.1:PORT, keeps its own data, exec root, pid file and bridge interface, and runs in
 * its own mount namespace with a private tmpfs on /tmp, so a bind mount of a local temp path shows
 * it an empty folder (what a real remote engine does). It has no images of its own: tests pull
 * from the local registry (127.0.0.1/8 registries are insecure by default).
 *
 * Never `--bridge none` here: in the host's network namespace that makes dockerd delete docker0.
 */

const START_TIMEOUT_MS = 60_000;

/** @returns {Promise<{ host: string, docker: Docker, stop(): Promise<void> }>} */
export async function startSecondEngine() {
  if (process.getuid?.() !== 0) throw new Error('The second Docker engine needs root (unshare, ip link, dockerd).');
  // not under /tmp: the engine sees a private, empty /tmp
  const root = mkdtempSync('/var/tmp/e-engine2-');
  const port = await freePort();
  const bridge = `e2br${process.pid % 100000}`;
  const subnet = `10.251.${process.pid % 250}`;
  const log = join(root, 'dockerd.log');
  writeFileSync(join(root, 'daemon.json'), '{}\n');
  /** @type {import('node:child_process').ChildProcess | undefined} */
  let child;
  const cleanup = async () => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child?.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    killLeftovers(root);
    try {
      execFileSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
    } catch {
      // never created, or already gone
    }
    rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  };
  try {
    execFileSync('ip', ['link', 'add', bridge, 'type', 'bridge']);
    execFileSync('ip', ['addr', 'add', `${subnet}.1/24`, 'dev', bridge]);
    execFileSync('ip', ['link', 'set', bridge, 'up']);
    const dockerd = [
      'dockerd',
      `--host=tcp://127.0.0.1:${port}`,
      `--data-root=${join(root, 'data')}`,
      `--exec-root=${join(root, 'exec')}`,
      `--pidfile=${join(root, 'dockerd.pid')}`,
      `--config-file=${join(root, 'daemon.json')}`,
      `--bridge=${bridge}`,
      '--iptables=false',
      '--ip-masq=false',
      '--log-level=warn',
    ];
    // a private mount namespace whose /tmp is an empty tmpfs, then dockerd in it (exec: same pid)
    const script = `mount -t tmpfs tmpfs /tmp && exec "$@" >>'${log}' 2>&1`;
    child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, 'sh', ...dockerd], {
      stdio: 'ignore',
    });
    const docker = new Docker({ host: '127.0.0.1', port, protocol: 'http' });
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `The second dockerd exited while starting (${child.exitCode ?? child.signalCode}):\n${tail(log)}`,
        );
      }
      if (
        await docker.ping().then(
          () => true,
          () => false,
        )
      )
        break;
      if (Date.now() > deadline) throw new Error(`The second dockerd did not answer within 60 s:\n${tail(log)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return { host: `tcp://127.0.0.1:${port}`, docker, stop: cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** Processes still running out of the engine's directories (a containerd it started, shims). */
function killLeftovers(root) {
  let pids = [];
  try {
    pids = execFileSync('pgrep', ['-f', root], { encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    return; // none
  }
  for (const pid of pids) {
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

function tail(path) {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '(no log)';
  }
}
