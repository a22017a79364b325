import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';

export const docker = new Docker();

/** Pulls `ref` for one platform and fails on errors the engine reports inside the progress stream. */
export async function pull(ref: string, platform: string): Promise<void> {
  const stream = await docker.pull(ref, { platform });
  const events: { error?: string }[] = await new Promise((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) =>
      err ? reject(err) : resolve(out),
    ),
  );
  const bad = events.find((e) => e.error);
  if (bad) throw new Error(`pull ${ref} for ${platform}: ${bad.error}`);
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** create → attach → wait → start → collect → remove: the sequence that does not race (testbed.md). */
export async function run(image: string, cmd: string[], env: string[] = []): Promise<RunResult> {
  const container = await docker.createContainer({
    Image: image,
    Cmd: cmd,
    Env: env,
    Labels: { 'org.e.test': 'true' },
  });
  try {
    const attach = await container.attach({ stream: true, stdout: true, stderr: true });
    const out = new PassThrough();
    const err = new PassThrough();
    const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
    out.on('data', (d: Buffer) => chunks.out.push(d));
    err.on('data', (d: Buffer) => chunks.err.push(d));
    docker.modem.demuxStream(attach, out, err);
    const ended = new Promise((resolve) => attach.on('end', resolve));
    const waited = container.wait({ condition: 'next-exit' }) as Promise<{ StatusCode: number }>;
    await container.start();
    const [{ StatusCode }] = await Promise.all([waited, ended]);
    return {
      exitCode: StatusCode,
      stdout: Buffer.concat(chunks.out).toString('utf8'),
      stderr: Buffer.concat(chunks.err).toString('utf8'),
    };
  } finally {
    await container.remove({ force: true });
  }
}

/** Waits for a build or push stream and fails on the errors the engine reports inside it. */
function follow(stream: NodeJS.ReadableStream, what: string): Promise<void> {
  return new Promise((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null, events: { error?: string }[]) => {
      const bad = err?.message ?? events.find((e) => e.error)?.error;
      if (bad) reject(new Error(`${what}: ${bad}`));
      else resolve();
    }),
  );
}

/** Pushes the local tag `ref` to its registry. */
export async function push(ref: string): Promise<void> {
  await follow(await docker.getImage(ref).push({ authconfig: {} }), `push ${ref}`);
}

/** Builds `dockerfile` (a context of that file alone, no pull) and tags the image `tag`; returns its id. */
export async function build(dockerfile: string, tag: string): Promise<string> {
  const context = mkdtempSync(join(tmpdir(), 'e-test-build-'));
  try {
    writeFileSync(join(context, 'Dockerfile'), dockerfile);
    const stream = await docker.buildImage({ context, src: ['Dockerfile'] }, { t: tag, pull: false, rm: true });
    await follow(stream, `build ${tag}`);
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
  return (await docker.getImage(tag).inspect()).Id;
}
