import type { EError } from '@e/core/errors';
import type { InstallStep } from '@e/core/resolve';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPlainRenderer } from './install-shared.js';

const step = { module: 'kafka', version: '0.1.0' } as InstallStep;
const METADATA = 'name: kafka\nversion: 0.1.0\nlabels: {kind: streaming}\n';

let stderr: string;
beforeEach(() => {
  vi.stubEnv('NO_COLOR', '1');
  stderr = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

/** What the plain renderer prints for one step: its metadata, then init (or a failed metadata check). */
async function render(options: { verbose?: boolean }, failAtMetadata = false): Promise<string> {
  const { events, done } = createPlainRenderer(1, options);
  events.stepStart?.(step);
  events.command?.('kafka', 'metadata');
  await events.output('kafka', 'stdout', Buffer.from(METADATA));
  await events.output('kafka', 'stderr', Buffer.from('warning: old SDK\n'));
  if (failAtMetadata) {
    events.stepEnd?.(step, {
      module: 'kafka',
      version: '0.1.0',
      ok: false,
      failedAt: 'metadata',
      error: { message: 'differs' } as EError,
      influenced: [],
    });
  } else {
    events.command?.('kafka', 'init');
    await events.output('kafka', 'stdout', Buffer.from('wrote kafka-config.yml\n'));
    events.stepEnd?.(step, { module: 'kafka', version: '0.1.0', ok: true, influenced: [] });
  }
  await done();
  return stderr;
}

describe('plain install output', () => {
  it('checks the metadata without printing it, but prints what the module says on stderr and later', async () => {
    expect(await render({})).toBe(
      [
        '==> [1/1] kafka 0.1.0',
        '--> kafka metadata (checked, not shown: --verbose shows it)',
        'kafka | warning: old SDK',
        '--> kafka init',
        'kafka | wrote kafka-config.yml',
        '==> kafka 0.1.0 applied',
        '',
      ].join('\n'),
    );
  });

  it('prints the metadata with --verbose', async () => {
    const text = await render({ verbose: true });
    expect(text).toContain('--> kafka metadata\nkafka | name: kafka\nkafka | version: 0.1.0\n');
  });

  it('prints the metadata when its check fails, so the difference can be seen', async () => {
    const text = await render({}, true);
    expect(text).toContain('kafka | name: kafka\nkafka | version: 0.1.0\nkafka | labels: {kind: streaming}\n');
    expect(text).toMatch(/==> kafka 0\.1\.0 failed at metadata\n$/);
  });
});
