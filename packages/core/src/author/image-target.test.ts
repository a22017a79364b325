import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Repository } from '../repository/model.js';
import { parseRepository } from '../repository/parse-repository.js';
import { looksLikeImage, moduleForImage, targetVersions } from './image-target.js';

const file = new URL('../../../../repository.yml', import.meta.url);
const repository = parseRepository(readFileSync(file, 'utf8'), 'repository.yml').value as Repository;

describe('targetVersions', () => {
  it('takes every listed version by default', () => {
    expect(targetVersions({ repository, module: 'kafka' }).map((t) => t.entry.version)).toEqual(['0.1.0', '0.2.0']);
  });

  it('takes the one asked for', () => {
    expect(targetVersions({ repository, module: 'kafka', version: '0.2.0' }).map((t) => t.entry.image)).toEqual([
      'localhost:5000/modules/kafka:0.2.0',
    ]);
  });

  it('puts an image in place of the default version’s, keeping its commands', () => {
    const [target] = targetVersions({ repository, module: 'kafka', image: 'reg/kafka:dev' });
    expect(target?.entry).toMatchObject({ version: '0.1.0', image: 'reg/kafka:dev', architectures: undefined });
    expect(target?.entry.commands.map((c) => c.name)).toContain('destroy');
    expect(target?.listed).toBe(true);
  });

  it('runs an image of an unlisted module with plain command names', () => {
    const [target] = targetVersions({
      repository,
      module: 'newmod',
      image: 'reg/newmod:1.0.0',
      fallbackVersion: '1.0.0',
    });
    expect(target).toMatchObject({ listed: false, entry: { version: '1.0.0', image: 'reg/newmod:1.0.0' } });
  });

  it.each([
    [{ module: 'kafak' }, /has no module named "kafak"/],
    [{ module: 'kafka', version: '9.9.9' }, /has no version 9\.9\.9 of kafka/],
  ])('refuses %j', (query, message) => {
    expect(() => targetVersions({ repository, ...query })).toThrow(message);
  });
});

describe('moduleForImage', () => {
  it.each([
    ['localhost:5000/modules/kafka:0.2.0', { module: 'kafka', version: '0.2.0', listed: true }],
    ['other:5000/modules/kafka:0.1.0', { module: 'kafka', version: '0.1.0', listed: false }],
    ['other:5000/kafka:9.0.0', { module: 'kafka', version: undefined, listed: false }],
    ['reg/x/newmod@sha256:abc', { module: 'newmod', version: undefined, listed: false }],
  ])('%s', (ref, expected) => {
    expect(moduleForImage(repository, ref)).toEqual(expected);
  });

  it.each([
    ['kafka', false],
    ['my-module2', false],
    ['kafka@0.2.0', false],
    ['reg/kafka@sha256:abc', true],
    ['localhost:5000/modules/kafka:0.1.0', true],
    ['kafka:dev', true],
  ])('%s looks like an image: %s', (arg, expected) => {
    expect(looksLikeImage(arg)).toBe(expected);
  });
});
