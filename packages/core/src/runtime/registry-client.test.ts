import { describe, expect, it } from 'vitest';
import { insecureRegistries, parseRegistryRef } from './registry-client.js';

describe('parseRegistryRef', () => {
  it.each([
    ['localhost:5000/modules/kafka:0.1.0', { host: 'localhost:5000', name: 'modules/kafka', reference: '0.1.0' }],
    ['localhost:5000/modules/kafka', { host: 'localhost:5000', name: 'modules/kafka', reference: 'latest' }],
    [
      'localhost:5000/modules/kafka@sha256:abc',
      { host: 'localhost:5000', name: 'modules/kafka', reference: 'sha256:abc' },
    ],
    ['reg.example:5000/a/b:1@sha256:abc', { host: 'reg.example:5000', name: 'a/b', reference: 'sha256:abc' }],
    ['alpine:3.19', { host: 'registry-1.docker.io', name: 'library/alpine', reference: '3.19' }],
    ['docker.io/bitnami/kafka:2.5.1', { host: 'registry-1.docker.io', name: 'bitnami/kafka', reference: '2.5.1' }],
    ['bitnami/kafka', { host: 'registry-1.docker.io', name: 'bitnami/kafka', reference: 'latest' }],
  ])('%s', (ref, expected) => {
    expect(parseRegistryRef(ref)).toEqual(expected);
  });
});

describe('insecureRegistries', () => {
  it('speaks plain HTTP to loopback, and elsewhere only where the engine says insecure', () => {
    const insecure = insecureRegistries({
      RegistryConfig: { IndexConfigs: { 'repo-host:5000': { Secure: false }, 'docker.io': { Secure: true } } },
    });
    expect(insecure('localhost:5000')).toBe(true);
    expect(insecure('127.0.0.1:5001')).toBe(true);
    expect(insecure('repo-host:5000')).toBe(true);
    expect(insecure('registry-1.docker.io')).toBe(false);
    expect(insecure('other:5000')).toBe(false);
  });
});
