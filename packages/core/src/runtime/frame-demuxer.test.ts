import { describe, expect, it } from 'vitest';
import { FrameDemuxer } from './frame-demuxer.js';

function frame(type: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

const collect = (demux: FrameDemuxer, chunks: Buffer[]) =>
  chunks.flatMap((c) => demux.push(c)).map((f) => `${f.stream}:${f.payload.toString()}`);

describe('FrameDemuxer', () => {
  it('splits whole frames by stream', () => {
    const data = Buffer.concat([frame(1, 'out\n'), frame(2, 'err\n'), frame(1, 'more')]);
    expect(collect(new FrameDemuxer(), [data])).toEqual(['stdout:out\n', 'stderr:err\n', 'stdout:more']);
  });

  it('handles headers and payloads cut anywhere, one byte at a time', () => {
    const data = Buffer.concat([frame(2, 'hello'), frame(1, 'world')]);
    const bytes = [...data].map((b) => Buffer.from([b]));
    const demux = new FrameDemuxer();
    const out = bytes.flatMap((b) => demux.push(b));
    expect(
      out
        .filter((f) => f.stream === 'stderr')
        .map((f) => f.payload.toString())
        .join(''),
    ).toBe('hello');
    expect(
      out
        .filter((f) => f.stream === 'stdout')
        .map((f) => f.payload.toString())
        .join(''),
    ).toBe('world');
  });
});
