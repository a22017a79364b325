import type { IncomingMessage } from 'node:http';

/**
 * The whole body of an HTTP answer (small ones: registry manifests and tokens, the engine's
 * `/info`). Rejects with the answer's own error, e.g. when the connection ends midway.
 */
export function readBody(response: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('error', reject);
    response.on('end', () => resolve(Buffer.concat(chunks)));
  });
}
