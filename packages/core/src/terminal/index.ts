/*
 * `@e/core/terminal`: making text that modules produced safe to print, whole or line by line. Kept
 * apart from the runtime entry so that every command's output path can load it without loading
 * the engine client.
 */

export { LinePrefixer } from '../runtime/line-prefixer.js';
export type { SanitizeOptions } from './sanitize-terminal-text.js';
export { sanitizeTerminalText } from './sanitize-terminal-text.js';
