import { createHash } from 'node:crypto';
import { type Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { ArchiveError } from '../errors.js';
import { FILE_MODE, FIXED_MTIME } from './archive-format.js';

/**
 * Writes tar entries with fixed headers (epoch mtime, owner 0:0, mode 0644, no user names), so
 * the same entries in the same order give byte-identical archives. Streams go through with
 * backpressure: nothing holds a whole blob.
 */
export class ArchiveWriter {
  readonly #pack = tar.pack();
  readonly #done: Promise<void>;
  #bytes = 0;

  /** Without `out`, the tar is read from `readable` (e.g. sent to docker load). */
  constructor(out?: Writable, onBytes?: (bytes: number) => void) {
    if (out === undefined) {
      this.#done = Promise.resolve();
      return;
    }
    const counter = new Transform({
      transform: (chunk: Buffer, _encoding, callback) => {
        this.#bytes += chunk.length;
        onBytes?.(this.#bytes);
        callback(null, chunk);
      },
    });
    this.#done = pipeline(this.#pack as unknown as Readable, counter, out);
    // an output error surfaces from finish(); entries then fail with "pack destroyed"
    this.#done.catch(() => {});
  }

  /** The tar as it is written (when no `out` was given). */
  get readable(): Readable {
    return this.#pack as unknown as Readable;
  }

  get bytes(): number {
    return this.#bytes;
  }

  addBuffer(name: string, bytes: Buffer | string): Promise<void> {
    const body = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
    return new Promise((resolve, reject) => {
      this.#pack.entry(fileHeader(name, body.length), body, (error) => (error ? reject(error) : resolve()));
    });
  }

  /** Copies `size` bytes of `source` into the entry `name`, checking their sha256 when `sha256` is given. */
  async addStream(name: string, size: number, source: Readable, sha256?: string): Promise<void> {
    // without a sha256 to check (the caller checked the bytes already), hashing them again is wasted time
    const hash = sha256 === undefined ? undefined : createHash('sha256');
    let seen = 0;
    const check = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash?.update(chunk);
        seen += chunk.length;
        if (seen > size) callback(sizeError(name, size, seen));
        else callback(null, chunk);
      },
      flush(callback) {
        if (seen !== size) return callback(sizeError(name, size, seen));
        const got = hash?.digest('hex');
        if (got !== sha256) {
          return callback(
            new ArchiveError('E_DIGEST_MISMATCH', `The content of ${name} has the sha256 ${got}, not ${sha256}.`),
          );
        }
        callback();
      },
    });
    let entryDone: (error?: Error | null) => void = () => {};
    const finished = new Promise<void>((resolve, reject) => {
      entryDone = (error) => (error ? reject(error) : resolve());
    });
    const entry = this.#pack.entry(fileHeader(name, size), entryDone);
    // a failed copy rejects both: the pipeline's error is the one reported
    finished.catch(() => {});
    await pipeline(source, check, entry as unknown as Writable);
    await finished;
  }

  async finish(): Promise<void> {
    this.#pack.finalize();
    await this.#done;
  }

  destroy(error?: Error): void {
    this.#pack.destroy(error);
  }
}

/** A regular file's tar header with e's fixed time, owner and mode. */
function fileHeader(name: string, size: number): tar.Header {
  return {
    name,
    size,
    mtime: FIXED_MTIME,
    mode: FILE_MODE,
    uid: 0,
    gid: 0,
    uname: '',
    gname: '',
    type: 'file',
    linkname: '',
    devmajor: 0,
    devminor: 0,
  };
}

function sizeError(name: string, size: number, seen: number): ArchiveError {
  return new ArchiveError(
    'E_DIGEST_MISMATCH',
    `The source of ${name} sent ${seen > size ? 'more than' : 'only'} ${Math.min(seen, size)} bytes, but its descriptor says ${size}.`,
  );
}

/**
 * An npm package tarball (`package/...` entries, gzip) of `files`, byte-identical for the same
 * files: what `npm install -g FILE.tgz` installs.
 */
export async function npmPackageTarball(files: readonly { name: string; bytes: Buffer }[]): Promise<Buffer> {
  const { createGzip } = await import('node:zlib');
  const { PassThrough } = await import('node:stream');
  const chunks: Buffer[] = [];
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => chunks.push(chunk));
  const gzip = createGzip({ level: 9 });
  const writer = new ArchiveWriter(gzip);
  const piped = pipeline(gzip, sink);
  for (const file of [...files].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    await writer.addBuffer(`package/${file.name}`, file.bytes);
  }
  await writer.finish();
  await piped;
  return Buffer.concat(chunks);
}
