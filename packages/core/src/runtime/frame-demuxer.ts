import type { OutputStream } from './container-runtime.js';

export interface Frame {
  stream: OutputStream;
  payload: Buffer;
}

const HEADER = 8;

/**
 * Splits Docker's multiplexed attach stream (8-byte header: stream type, 3 zero bytes, payload
 * size big-endian) into frames. Payloads are handed out as they arrive, so a frame larger than a
 * chunk is never held in memory whole.
 */
export class FrameDemuxer {
  #pending: Buffer = Buffer.alloc(0);
  #stream: OutputStream = 'stdout';
  #remaining = 0;

  push(chunk: Buffer): Frame[] {
    const frames: Frame[] = [];
    let data = this.#pending.length > 0 ? Buffer.concat([this.#pending, chunk]) : chunk;
    this.#pending = Buffer.alloc(0);
    while (data.length > 0) {
      if (this.#remaining > 0) {
        const take = Math.min(this.#remaining, data.length);
        frames.push({ stream: this.#stream, payload: data.subarray(0, take) });
        this.#remaining -= take;
        data = data.subarray(take);
        continue;
      }
      if (data.length < HEADER) {
        this.#pending = Buffer.from(data);
        break;
      }
      this.#stream = data[0] === 2 ? 'stderr' : 'stdout';
      this.#remaining = data.readUInt32BE(4);
      data = data.subarray(HEADER);
    }
    return frames;
  }
}
