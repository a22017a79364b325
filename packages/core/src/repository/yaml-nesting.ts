import { CST, Lexer } from 'yaml';

/**
 * How deep collections in a file e reads may nest. Real repository files and states stay far
 * below; the YAML readers recurse once per level, so without a limit `[[[[...]]]]` 100,000 levels
 * deep ends in "Maximum call stack size exceeded".
 */
export const MAX_NESTING = 100;

/**
 * The lexer's markers for a scalar, a document and a flow's end: they stand for no source text.
 * Made on first use: e's bundles load the yaml library only when it is used (bin/lazy-yaml.cjs).
 */
let markers: ReadonlySet<string> | undefined;
const lexerMarkers = (): ReadonlySet<string> => {
  markers ??= new Set([CST.SCALAR, CST.DOCUMENT, CST.FLOW_END]);
  return markers;
};

/**
 * Where `text` first nests collections deeper than `max` (1-based line and column), or undefined.
 * It reads the text with the yaml library's lexer, which keeps no stack, and counts open flow
 * collections plus the block levels of the current line (by indentation and `- ` items), so
 * quotes, comments and block scalars count for nothing.
 */
export function findTooDeep(text: string, max = MAX_NESTING): { line: number; col: number } | undefined {
  let flow = 0;
  const blocks: number[] = [];
  let col = 0;
  let lineStart = true;
  let offset = 0;
  let scalarNext = false;
  const leaveBlocks = (at: number): void => {
    while (blocks.length > 0 && blocks[blocks.length - 1]! >= at) blocks.pop();
  };
  const enterBlock = (at: number): boolean => {
    leaveBlocks(at);
    blocks.push(at);
    lineStart = false;
    return blocks.length + flow > max;
  };
  const advance = (token: string): void => {
    offset += token.length;
    const newline = token.lastIndexOf('\n');
    if (newline === -1) col += token.length;
    else {
      col = token.length - newline - 1;
      lineStart = true;
    }
  };
  const MARKERS = lexerMarkers();
  for (const token of new Lexer().lex(text)) {
    if (MARKERS.has(token)) {
      if (token === CST.SCALAR) scalarNext = true;
      continue;
    }
    const type = scalarNext ? 'scalar' : CST.tokenType(token);
    scalarNext = false;
    let deeper = false;
    switch (type) {
      case 'newline':
      case 'space':
      case 'comment':
        break;
      case 'flow-seq-start':
      case 'flow-map-start':
        // a flow collection starting a line is a node of the block it is in, not a block itself
        if (flow === 0 && lineStart) leaveBlocks(col);
        flow++;
        deeper = blocks.length + flow > max;
        lineStart = false;
        break;
      case 'flow-seq-end':
      case 'flow-map-end':
        flow = Math.max(0, flow - 1);
        break;
      case 'seq-item-ind':
      case 'explicit-key-ind':
        if (flow === 0) deeper = enterBlock(col);
        break;
      default:
        if (flow === 0 && lineStart) deeper = enterBlock(col);
        lineStart = false;
    }
    if (deeper) return position(text, offset);
    advance(token);
  }
  return undefined;
}

function position(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineAt = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineAt = i + 1;
  }
  return { line, col: offset - lineAt + 1 };
}
