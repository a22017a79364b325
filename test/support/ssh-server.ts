import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './free-port.mjs';

/**
 * A throw-away OpenSSH server on 127.0.0.1 (Debian's openssh-server, installed by make setup),
 * with its own host key, one authorized client key, and a client config that trusts exactly that
 * host key: `E_SSH_COMMAND=ssh -F <config>` makes e's ssh use it, touching nothing of the user's
 * ~/.ssh. `engineHost` is the DOCKER_HOST that the server's sessions see, so `docker system
 * dial-stdio` on the other side reaches that engine.
 */
export interface TestSshServer {
  /** ssh://root@127.0.0.1:PORT */
  url: string;
  /** The environment for e: E_SSH_COMMAND with this server's client config. */
  env: Record<string, string>;
  /** How many SSH connections the server accepted so far (from its log). */
  connections(): number;
  /** The same client config without the known host: ssh must refuse the server. */
  envWithoutKnownHost: Record<string, string>;
  stop(): void;
}

/** Under /var/tmp: the second engine's processes see a private /tmp. */
export async function startSshServer(engineHost: string): Promise<TestSshServer> {
  if (!existsSync('/usr/sbin/sshd')) throw new Error('sshd is missing: run make setup (it installs openssh-server).');
  const dir = mkdtempSync('/var/tmp/e-sshd-');
  const port = await freePort();
  const keygen = (name: string) =>
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', join(dir, name)]);
  keygen('host_key');
  keygen('client_key');
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')), { mode: 0o600 });
  writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${readFileSync(join(dir, 'host_key.pub'), 'utf8')}`);
  writeFileSync(join(dir, 'empty_known_hosts'), '');
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_key')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'LogLevel INFO',
      `SetEnv DOCKER_HOST=${engineHost}`,
      '',
    ].join('\n'),
  );
  const client = (knownHosts: string) => {
    const file = join(dir, `ssh_config_${knownHosts}`);
    writeFileSync(
      file,
      [
        'Host *',
        `  IdentityFile ${join(dir, 'client_key')}`,
        '  IdentitiesOnly yes',
        `  UserKnownHostsFile ${join(dir, knownHosts)}`,
        '  GlobalKnownHostsFile /dev/null',
        '  StrictHostKeyChecking yes',
        '  BatchMode yes',
        '  LogLevel ERROR',
        '',
      ].join('\n'),
    );
    return { E_SSH_COMMAND: `ssh -F ${file}` };
  };
  mkdirSync('/run/sshd', { recursive: true }); // sshd's privilege separation directory
  // -D: stays in the foreground, so stopping it is killing this child; -e: its log on stderr, read below
  const child: ChildProcess = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', join(dir, 'sshd_config')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let said = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    said += chunk.toString();
  });
  const deadline = Date.now() + 10_000;
  while (!(await listening(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`sshd did not start on 127.0.0.1:${port}: ${said.trim().slice(-500)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url: `ssh://root@127.0.0.1:${port}`,
    env: client('known_hosts'),
    envWithoutKnownHost: client('empty_known_hosts'),
    connections: () => (said.match(/Accepted publickey/g) ?? []).length,
    stop() {
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function listening(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
