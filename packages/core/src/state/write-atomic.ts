import type WriteFileAtomic from 'write-file-atomic';

/**
 * write-file-atomic's promise form, loaded on the first write: commands that only read the state
 * (e status, e state show) do not load it, nor the worker_threads and crypto modules it needs.
 */
export async function writeFileAtomic(file: string, data: string, options?: WriteFileAtomic.Options): Promise<void> {
  // a CommonJS module: what import() gives is its module.exports as `default`
  const { default: write } = (await import('write-file-atomic')) as unknown as { default: typeof WriteFileAtomic };
  await write(file, data, options);
}
