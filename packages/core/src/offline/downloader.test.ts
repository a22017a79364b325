import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseRepository } from '../repository/parse-repository.js';
import { findDownloader } from './downloader.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

describe('findDownloader', () => {
  it('finds the module labelled kind: downloader in the example repository', () => {
    const { value } = parseRepository(readFileSync(`${root}repository.yml`, 'utf8'), 'repository.yml');
    expect(findDownloader(value!)).toEqual({ module: 'downloader', version: '0.1.0' });
    const downloader = value!.components.find((c) => c.name === 'downloader')!.versions[0]!;
    expect(downloader.commands.map((c) => c.name)).toContain('download');
  });

  it('says in one sentence that a downloader is needed when there is none', () => {
    const { value } = parseRepository(
      readFileSync(`${root}repository.yml`, 'utf8').replace('kind: downloader', 'kind: fetcher'),
      'repository.yml',
    );
    expect(() => findDownloader(value!)).toThrow(
      'The modules need OS packages, but repository.yml has no module labelled kind: downloader to fetch them.',
    );
  });
});
