/** How text that a module produced may reach a terminal or a log. */
export interface SanitizeOptions {
  /** Keep SGR colour sequences (`ESC[...m`): only for a terminal that allows colour. */
  color: boolean;
}

const ESC = 0x1b;
const BEL = 0x07;
const LF = 0x0a;
const TAB = 0x09;
/** 8-bit forms of the introducers and the string terminator. */
const C1_CSI = 0x9b;
const C1_OSC = 0x9d;
const C1_ST = 0x9c;
/** DCS, SOS, PM, APC: control strings that run to a string terminator. */
const C1_STRINGS = new Set([0x90, 0x98, 0x9e, 0x9f]);
const ESC_STRINGS = new Set(['P', 'X', '^', '_']);
const RESET = '\x1b[0m';

/**
 * `text` without anything a terminal would act on: every ESC, CSI, OSC, DCS/SOS/PM/APC sequence
 * (7-bit and 8-bit) and every C0/C1 control character except `\n` and `\t` (a `\r` is dropped, so
 * `\r\n` becomes `\n`). With `color`, SGR sequences (`ESC[1;31m`) are kept, and a line that kept
 * one ends with a reset so its colour cannot spill onto the next line (e's own).
 */
export function sanitizeTerminalText(text: string, options: SanitizeOptions): string {
  let out = '';
  let coloured = false;
  let plainFrom = 0;
  let i = 0;
  while (i < text.length) {
    // jump to the next character that needs a look (a text mostly has none: one search, no copy)
    const pattern = coloured ? CONTROLS : ACTING_CONTROLS;
    pattern.lastIndex = i;
    const found = pattern.exec(text);
    if (found === null) break;
    i = found.index;
    const code = text.charCodeAt(i);
    out += text.slice(plainFrom, i);
    if (code === LF) {
      if (coloured) out += RESET;
      coloured = false;
      out += '\n';
      i++;
    } else if (code === TAB) {
      out += '\t';
      i++;
    } else if (code === ESC || code === C1_CSI || code === C1_OSC || C1_STRINGS.has(code)) {
      const sequence = scanSequence(text, i);
      if (sequence.sgr !== undefined && options.color) {
        out += sequence.sgr;
        coloured = sequence.sgr !== RESET && sequence.sgr !== '\x1b[m';
      }
      i = sequence.end;
    } else {
      i++; // any other C0 (\r included), DEL or C1 character
    }
    plainFrom = i;
  }
  out += text.slice(plainFrom);
  return coloured ? out + RESET : out;
}

/** Every C0 and C1 control character, and DEL. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROLS = /[\x00-\x1f\x7f-\x9f]/g;
/** The same without `\n` and `\t`, which stay as they are while no colour is to be reset. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const ACTING_CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/**
 * The sequence starting at `start` (an ESC or an 8-bit introducer): where it ends, and the SGR
 * text when it is a colour sequence. A sequence cut short by an unexpected character ends before
 * it, so that character is judged on its own; what remains is plain text without an introducer.
 */
function scanSequence(text: string, start: number): { end: number; sgr?: string } {
  const code = text.charCodeAt(start);
  if (code === C1_CSI) return scanCsi(text, start + 1);
  if (code === C1_OSC || C1_STRINGS.has(code)) return { end: scanString(text, start + 1) };
  const next = text[start + 1];
  if (next === undefined) return { end: start + 1 };
  if (next === '[') return scanCsi(text, start + 2);
  if (next === ']' || ESC_STRINGS.has(next)) return { end: scanString(text, start + 2) };
  // ESC, intermediates (0x20-0x2F), one final (0x30-0x7E): ESC c (reset), ESC 7, ESC ( B, ...
  let i = start + 1;
  while (i < text.length && inRange(text.charCodeAt(i), 0x20, 0x2f)) i++;
  if (i < text.length && inRange(text.charCodeAt(i), 0x30, 0x7e)) i++;
  return { end: i };
}

/** CSI: parameter bytes (0x30-0x3F), intermediate bytes (0x20-0x2F), one final byte (0x40-0x7E). */
function scanCsi(text: string, from: number): { end: number; sgr?: string } {
  let i = from;
  while (i < text.length && inRange(text.charCodeAt(i), 0x30, 0x3f)) i++;
  const params = text.slice(from, i);
  const intermediatesFrom = i;
  while (i < text.length && inRange(text.charCodeAt(i), 0x20, 0x2f)) i++;
  if (i >= text.length || !inRange(text.charCodeAt(i), 0x40, 0x7e)) return { end: i };
  const isSgr = text[i] === 'm' && i === intermediatesFrom && /^[0-9;:]*$/.test(params);
  return { end: i + 1, sgr: isSgr ? `\x1b[${params}m` : undefined };
}

/**
 * A control string (OSC, DCS, SOS, PM, APC) runs to BEL or ST (`ESC \` or 0x9C), both removed
 * with it. It also stops before a newline or another ESC, so an unterminated one cannot swallow
 * the lines after it.
 */
function scanString(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === BEL || code === C1_ST) return i + 1;
    if (code === LF) return i;
    if (code === ESC) return text[i + 1] === '\\' ? i + 2 : i;
  }
  return text.length;
}

function inRange(code: number, low: number, high: number): boolean {
  return code >= low && code <= high;
}
