/*
 * `@e/core/engine-info`: asking a local engine to describe itself ahead of a module run, without
 * loading the runtime (runtime/early-info.ts).
 */
export { askEngineInfo } from '../runtime/early-info.js';
