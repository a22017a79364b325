import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { repositoryJsonSchema } from './schema.js';

describe('repositoryJsonSchema', () => {
  it('equals the committed docs/repository.schema.json (regenerate with: e repo schema > docs/repository.schema.json)', () => {
    const path = fileURLToPath(new URL('../../../../docs/repository.schema.json', import.meta.url));
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(repositoryJsonSchema());
  });

  it('is what editors need: closed maps, operators, architectures', () => {
    const text = JSON.stringify(repositoryJsonSchema());
    expect(text).toContain('"additionalProperties":false');
    expect(text).toContain('"DoesNotExist"');
    expect(text).toContain('"arm64"');
  });

  it('is referenced by repository.yml', () => {
    const path = fileURLToPath(new URL('../../../../repository.yml', import.meta.url));
    expect(readFileSync(path, 'utf8')).toMatch(
      /^# yaml-language-server: \$schema=\.\/docs\/repository\.schema\.json$/m,
    );
  });
});
