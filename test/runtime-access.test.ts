import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_ACCESS, type RunAccess } from '@e/core/repository';
import { type ContainerRuntime, createDockerRuntime, type Platform, type RunSpec } from '@e/core/runtime';
import { afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { docker } from './support/docker.js';

/*
 * What RunSpec.access and RunSpec.mounts really do to a container, seen from inside it: the
 * runtime against the real engine, with the Debian + Node.js base image the module images are
 * built from (`e-base-node:<hash>-<arch>`, made by scripts/build-images.mjs).
 */

/** On the containers of this file only, so that cleanup finds them and nothing else. */
const LABELS = { 'org.e.test': 'runtime-access', 'org.e.test.pid': String(process.pid) };
const MiB = 1024 * 1024;

let runtime: ContainerRuntime;
let platform: Platform;
let image: string;

/** The newest base image for the engine's architecture; fails loudly when setup has not made one. */
async function baseImage(architecture: string): Promise<string> {
  const images = await docker.listImages({ filters: JSON.stringify({ label: ['org.e.role=base'] }) });
  const tags = images
    .sort((a, b) => b.Created - a.Created)
    .flatMap((i) => i.RepoTags ?? [])
    .filter((tag) => tag.startsWith('e-base-node:') && tag.endsWith(`-${architecture}`));
  if (tags[0] === undefined) {
    throw new Error(`The engine has no base image e-base-node:<hash>-${architecture}. Run "make setup".`);
  }
  return tags[0];
}

beforeAll(async () => {
  runtime = await createDockerRuntime();
  platform = await runtime.enginePlatform();
  image = await baseImage(platform.architecture);
});

// run() removes its container whatever happens: none of this file's may be left
afterEach(async () => {
  const left = await runtime.listContainers(LABELS);
  for (const container of left) await runtime.removeContainer(container.id);
  expect(left.map((c) => c.id)).toEqual([]);
});

function tempDir(name = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'e-runtime-access-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  if (name === '') return dir;
  const sub = join(dir, name);
  mkdirSync(sub);
  return sub;
}

interface Ran {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node -e script` in the base image with `access` over the defaults. */
async function node(
  script: string,
  options: { access?: Partial<RunAccess>; mounts?: RunSpec['mounts'] } = {},
): Promise<Ran> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const outcome = await runtime.run({
    image,
    cmd: ['node', '-e', script],
    env: {},
    mounts: options.mounts ?? [],
    access: { ...DEFAULT_ACCESS, ...options.access },
    labels: LABELS,
    platform,
    timeoutMs: 60_000,
    onOutput: (stream, chunk) => {
      (stream === 'stdout' ? out : err).push(chunk);
    },
  });
  const ran = {
    exitCode: outcome.exitCode,
    stdout: Buffer.concat(out).toString(),
    stderr: Buffer.concat(err).toString(),
  };
  expect(ran.exitCode, ran.stderr).toBe(0);
  return ran;
}

/** The container's /proc/self/status fields. */
async function status(access?: Partial<RunAccess>): Promise<Record<string, string>> {
  const { stdout } = await node("process.stdout.write(require('fs').readFileSync('/proc/self/status', 'utf8'))", {
    access,
  });
  return Object.fromEntries(stdout.split('\n').map((line) => line.split(/:\s*/, 2) as [string, string]));
}

const interfaces = async (access?: Partial<RunAccess>): Promise<string[]> =>
  JSON.parse(
    (await node("console.log(JSON.stringify(require('fs').readdirSync('/sys/class/net').sort()))", { access })).stdout,
  );

describe('container access (RunSpec.access) against the real engine', () => {
  it('by default: no capabilities at all, and no-new-privileges', async () => {
    const fields = await status();
    expect(fields.CapEff).toBe('0000000000000000');
    expect(fields.CapPrm).toBe('0000000000000000');
    // nothing can be gained back either, not even through a setuid binary
    expect(fields.CapBnd).toBe('0000000000000000');
    expect(fields.NoNewPrivs).toBe('1');
  });

  it('capabilities: [NET_ADMIN] gives exactly that one back (bit 12)', async () => {
    const fields = await status({ capabilities: ['NET_ADMIN'] });
    expect(fields.CapEff).toBe('0000000000001000');
    expect(fields.NoNewPrivs).toBe('1');
  });

  it('network: false leaves only the loopback interface; the default has the bridge too', async () => {
    expect(await interfaces({ network: false })).toEqual(['lo']);
    const connected = await interfaces();
    expect(connected).toContain('lo');
    expect(connected.length).toBeGreaterThan(1);
  });

  it('memory and pids limits are the cgroup limits the container sees', async () => {
    const version = ((await docker.info()) as { CgroupVersion?: string }).CgroupVersion;
    const files: Record<string, { memory: string; pids: string }> = {
      '1': { memory: '/sys/fs/cgroup/memory/memory.limit_in_bytes', pids: '/sys/fs/cgroup/pids/pids.max' },
      '2': { memory: '/sys/fs/cgroup/memory.max', pids: '/sys/fs/cgroup/pids.max' },
    };
    const paths = files[version ?? ''];
    if (paths === undefined) throw new Error(`the engine reports cgroup version ${String(version)}, not 1 or 2`);
    const read = (path: string) => `require('fs').readFileSync(${JSON.stringify(path)}, 'utf8').trim()`;
    const script = `console.log(JSON.stringify({ memory: ${read(paths.memory)}, pids: ${read(paths.pids)} }))`;

    const limited = await node(script, { access: { memoryBytes: 64 * MiB, pids: 100 } });
    expect(JSON.parse(limited.stdout)).toEqual({ memory: String(64 * MiB), pids: '100' });
    const defaults = await node(script);
    expect(JSON.parse(defaults.stdout)).toEqual({
      memory: String(DEFAULT_ACCESS.memoryBytes),
      pids: String(DEFAULT_ACCESS.pids),
    });
  });
});

describe('mounts (RunSpec.mounts) against the real engine', () => {
  it('a read-only mount cannot be written', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'input.txt'), 'kept');
    const { stdout } = await node(
      "const fs = require('fs'); try { fs.writeFileSync('/in/input.txt', 'changed'); console.log('written') } catch (e) { console.log(e.code) }",
      { mounts: [{ source: dir, target: '/in', readOnly: true }] },
    );
    expect(stdout.trim()).toBe('EROFS');
    expect(readFileSync(join(dir, 'input.txt'), 'utf8')).toBe('kept');
  });

  it('a host path containing ":" is mounted as it is', async () => {
    const dir = tempDir('a:b');
    writeFileSync(join(dir, 'input.txt'), 'from the host');
    const { stdout } = await node(
      "const fs = require('fs'); fs.writeFileSync('/data/output.txt', 'from the container'); console.log(fs.readFileSync('/data/input.txt', 'utf8'))",
      { mounts: [{ source: dir, target: '/data', readOnly: false }] },
    );
    expect(stdout.trim()).toBe('from the host');
    expect(existsSync(join(dir, 'output.txt'))).toBe(true);
    expect(readFileSync(join(dir, 'output.txt'), 'utf8')).toBe('from the container');
  });
});
