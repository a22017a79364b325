import { describe, expect, it } from 'vitest';
import { engineEndpoint, isRemote } from './engine-endpoint.js';

const at = (DOCKER_HOST?: string) => engineEndpoint(DOCKER_HOST === undefined ? {} : { DOCKER_HOST });

describe('engineEndpoint', () => {
  it('reads an unset or empty DOCKER_HOST, and unix:// without a path, as the default socket', () => {
    expect(at()).toEqual({ kind: 'unix', given: undefined, socketPath: undefined });
    expect(at('')).toEqual({ kind: 'unix', given: '', socketPath: undefined });
    expect(at('unix://')).toEqual({ kind: 'unix', given: 'unix://', socketPath: undefined });
  });

  it('reads unix://PATH as that socket (the scheme in lower case only, as docker-modem does)', () => {
    expect(at('unix:///var/run/docker.sock')).toMatchObject({ kind: 'unix', socketPath: '/var/run/docker.sock' });
    expect(at('unix://relative.sock')).toMatchObject({ kind: 'unix', socketPath: 'relative.sock' });
    expect(at('UNIX:///var/run/docker.sock')).toEqual({ kind: 'other', given: 'UNIX:///var/run/docker.sock' });
  });

  it('reads npipe:// as a Windows pipe', () => {
    expect(at('npipe:////./pipe/docker_engine')).toEqual({
      kind: 'npipe',
      given: 'npipe:////./pipe/docker_engine',
      pipePath: '//./pipe/docker_engine',
    });
    expect(at('npipe://')).toMatchObject({ kind: 'npipe', pipePath: undefined });
  });

  it('reads tcp://, http:// and https:// (any case) as an engine over TCP, with or without a port', () => {
    expect(at('tcp://127.0.0.1:2375')).toEqual({
      kind: 'tcp',
      given: 'tcp://127.0.0.1:2375',
      scheme: 'tcp',
      host: '127.0.0.1',
      port: '2375',
    });
    expect(at('TCP://build-host')).toMatchObject({ kind: 'tcp', scheme: 'tcp', host: 'build-host', port: undefined });
    expect(at('tcp://[::1]:2376')).toMatchObject({ kind: 'tcp', host: '::1', port: '2376' });
    expect(at('https://engine.example:2376')).toMatchObject({ kind: 'tcp', scheme: 'https', port: '2376' });
    expect(at('http://engine.example')).toMatchObject({ kind: 'tcp', scheme: 'http', port: undefined });
    // docker-modem judges a URL that does not parse; e still counts it remote
    expect(at('tcp://host:port')).toMatchObject({ kind: 'tcp', host: undefined, port: undefined });
    expect(at('tcp://')).toMatchObject({ kind: 'tcp', host: undefined });
  });

  it('reads ssh:// with its user (as written), host and port', () => {
    expect(at('ssh://deploy@build-1.example:2222')).toEqual({
      kind: 'ssh',
      given: 'ssh://deploy@build-1.example:2222',
      user: 'deploy',
      host: 'build-1.example',
      port: '2222',
      address: 'build-1.example:2222',
    });
    expect(at('SSH://build-1.example')).toMatchObject({ user: undefined, port: undefined, address: 'build-1.example' });
    expect(at('ssh://j%40doe@[::1]:22')).toMatchObject({
      user: 'j%40doe',
      host: '::1',
      port: '22',
      address: '[::1]:22',
    });
  });

  it('keeps why an ssh:// URL does not parse, without throwing', () => {
    const endpoint = at('ssh://host:port');
    expect(endpoint).toMatchObject({ kind: 'ssh', given: 'ssh://host:port' });
    expect(endpoint.kind === 'ssh' && endpoint.invalid).toBeInstanceOf(TypeError);
  });

  it('reads a value without a scheme as TCP, as docker-modem and the docker CLI do', () => {
    expect(at('localhost:2375')).toEqual({
      kind: 'tcp',
      given: 'localhost:2375',
      scheme: 'tcp',
      host: 'localhost',
      port: '2375',
    });
    expect(at('/var/run/docker.sock')).toMatchObject({ kind: 'tcp', given: '/var/run/docker.sock' });
  });

  it('leaves an unknown scheme to docker-modem (other)', () => {
    expect(at('fd://')).toEqual({ kind: 'other', given: 'fd://' });
  });

  it('counts everything but the local socket and pipe as remote', () => {
    const remote = (host?: string) => isRemote(at(host));
    expect([
      remote('tcp://h:1'),
      remote('Http://h'),
      remote('https://h'),
      remote('ssh://h'),
      remote('ssh://h:x'),
      remote('localhost:2375'),
      remote('fd://'),
    ]).toEqual([true, true, true, true, true, true, true]);
    expect([remote(), remote(''), remote('unix:///s'), remote('npipe://p')]).toEqual([false, false, false, false]);
  });
});
