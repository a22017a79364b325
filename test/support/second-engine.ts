import type Docker from 'dockerode';
import { startSecondEngine as start } from './second-engine.mjs';

/**
 * A second Docker engine on this machine that e must treat as remote (second-engine.mjs, plain
 * JavaScript so that bench/backend.mjs starts the same one).
 */
export interface SecondEngine {
  /** `tcp://127.0.0.1:PORT`, for DOCKER_HOST or --engine. */
  host: string;
  docker: Docker;
  stop(): Promise<void>;
}

export function startSecondEngine(): Promise<SecondEngine> {
  return start() as Promise<SecondEngine>;
}
