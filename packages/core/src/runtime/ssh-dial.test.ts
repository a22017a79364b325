import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { engineEndpoint, type SshEndpoint } from './engine-endpoint.js';
import { dialArguments, engineOptions, sshCommand } from './ssh-dial.js';

const ssh = (url: string) => engineEndpoint({ DOCKER_HOST: url }) as SshEndpoint;

describe('ssh:// engines', () => {
  it('runs docker system dial-stdio on the host, with the port and user of the URL', () => {
    expect(dialArguments(ssh('ssh://deploy@build-1.example:2222'))).toEqual([
      '-T',
      '-p',
      '2222',
      '-l',
      'deploy',
      '--',
      'build-1.example',
      'docker',
      'system',
      'dial-stdio',
    ]);
    // no port, no user: ssh's own defaults and config decide
    expect(dialArguments(ssh('ssh://build-1.example'))).toEqual([
      '-T',
      '--',
      'build-1.example',
      'docker',
      'system',
      'dial-stdio',
    ]);
    // an IPv6 literal without brackets; a user name with an escaped character
    expect(dialArguments(ssh('ssh://j%40doe@[::1]:22'))).toEqual([
      '-T',
      '-p',
      '22',
      '-l',
      'j@doe',
      '--',
      '::1',
      'docker',
      'system',
      'dial-stdio',
    ]);
  });

  it('a host that starts with a dash stays a host name (after --), never an ssh option', () => {
    const args = dialArguments(ssh('ssh://-oProxyCommand=x'));
    expect(args.indexOf('-oProxyCommand=x')).toBe(args.indexOf('--') + 1);
  });

  it('takes the ssh command from E_SSH_COMMAND, else ssh', () => {
    expect(sshCommand({})).toEqual(['ssh']);
    expect(sshCommand({ E_SSH_COMMAND: '  ' })).toEqual(['ssh']);
    expect(sshCommand({ E_SSH_COMMAND: 'ssh -F ./ssh_config' })).toEqual(['ssh', '-F', './ssh_config']);
  });

  it('gives dockerode options for ssh:// and an agent for a local socket (docker-modem reads DOCKER_HOST itself)', () => {
    // a local socket: docker-modem finds it; the agent is Node's global one, for plain HTTP (plain-http.ts)
    for (const env of [{}, { DOCKER_HOST: 'unix:///var/run/docker.sock' }]) {
      const local = engineOptions(env);
      expect(Object.keys(local ?? {})).toEqual(['agent']);
      expect(local?.agent.options).toMatchObject({
        keepAlive: true,
        scheduling: 'lifo',
        timeout: 5000,
        servername: '',
      });
    }
    expect(engineOptions({ DOCKER_HOST: 'tcp://127.0.0.1:2375' })).toBeUndefined();
    const options = engineOptions({ DOCKER_HOST: 'ssh://root@host' });
    expect(options).toMatchObject({ protocol: 'http', host: 'docker' });
    // docker-modem inspects each request's options, agent included, even with its log off
    const everything = { showHidden: true, depth: null };
    expect(inspect({ agent: options?.agent }, everything)).toBe('{ agent: [SshDialAgent] }');
    expect(inspect(engineOptions({}), everything)).toBe('{ agent: [QuietAgent] }');
    options?.agent.destroy();
    // an ssh:// URL that does not parse fails here, as new URL fails
    expect(() => engineOptions({ DOCKER_HOST: 'ssh://host:port' })).toThrow(TypeError);
  });
});
