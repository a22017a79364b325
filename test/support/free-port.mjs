import { createServer } from 'node:net';

/**
 * A free TCP port on 127.0.0.1 (asked from the kernel, then released). Plain JavaScript so that the
 * benches (bench/*.mjs) and the tests' support share it.
 * @returns {Promise<number>}
 */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
