import { describe, expect, it } from 'vitest';
import { quote } from '../errors.js';
import { checkImageReference, isCommonImageReference, parseImageReference } from './image-reference.js';

const digest = `sha256:${'0123456789abcdef'.repeat(4)}`;

describe('image references', () => {
  it.each([
    ['busybox', { path: 'busybox' }],
    ['library/busybox:1.36', { path: 'library/busybox', tag: '1.36' }],
    ['localhost:5000/modules/kafka:0.1.0', { host: 'localhost:5000', path: 'modules/kafka', tag: '0.1.0' }],
    ['docker.io/library/kafka:2.5.1', { host: 'docker.io', path: 'library/kafka', tag: '2.5.1' }],
    [`registry.example.org/a/b@${digest}`, { host: 'registry.example.org', path: 'a/b', digest }],
    [`repo-host:5000/x:1@${digest}`, { host: 'repo-host:5000', path: 'x', tag: '1', digest }],
    ['[::1]:5000/x', { host: '[::1]:5000', path: 'x' }],
    ['a__b/c-d.e/f---g', { path: 'a__b/c-d.e/f---g' }],
  ])('accepts %s', (ref, expected) => {
    expect(parseImageReference(ref)).toEqual(expected);
  });

  it.each([
    ['', 'it is empty'],
    ['kafka 0.1.0', 'it contains whitespace'],
    ['https://host/x', 'a URL scheme is not part of an image reference'],
    ['localhost:5000/Modules/kafka', 'repository names must be lower-case'],
    ['host/x:', 'bad tag ""'],
    ['host/x:.bad', 'bad tag ".bad"'],
    ['host/x@sha256:abc', 'bad digest "sha256:abc"'],
    [`host/x@sha256:${'A'.repeat(64)}`, 'a sha256 digest has 64 lower-case hex digits'],
    ['host//x', 'empty path component'],
    ['-x/y', 'bad path component "-x"'],
    [`x/${'a'.repeat(260)}`, 'the name is longer than 255 characters'],
  ])('rejects %j: %s', (ref, why) => {
    expect(checkImageReference(ref)?.message).toBe(`invalid image reference ${quote(ref)}: ${why}`);
  });

  it.each([
    'busybox',
    'busybox:1.36',
    'library/busybox:1.36',
    'localhost:5000/modules/kafka:0.1.0',
    'docker.io/library/kafka:2.5.1',
    'my_org/tool:v1',
    'a__b/c-d.e/f---g',
  ])('knows %s without parsing it in full', (ref) => {
    expect(isCommonImageReference(ref)).toBe(true);
  });

  it('only says a reference is common when the full parse accepts it', () => {
    const alphabet = 'ab09.-_:/@A[]';
    let seed = 7;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
      return seed % n;
    };
    let common = 0;
    for (let run = 0; run < 20_000; run++) {
      let ref = '';
      for (let n = 1 + random(14); n > 0; n--) ref += alphabet[random(alphabet.length)];
      if (!isCommonImageReference(ref)) continue;
      common++;
      expect([ref, parseImageReference(ref)]).not.toEqual([
        ref,
        expect.objectContaining({ message: expect.anything() }),
      ]);
    }
    expect(common).toBeGreaterThan(100);
  });
});
