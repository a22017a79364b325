import { vi } from 'vitest';
import { main } from '../main.js';

export interface MainResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `e ...args` in-process through main() and captures what it prints (for the CLI's unit tests). */
export async function runMain(args: readonly string[]): Promise<MainResult> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    process.exitCode = undefined;
    const code = await main(['node', 'e', ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
}
