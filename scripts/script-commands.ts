/*
 * Which commands a script runs, read from its text: bash scripts, the Makefile's recipes and the
 * child_process calls of a Node script. It reads the shell these scripts are written in (simple
 * commands, pipelines, if/for/while, functions, $(...), heredocs); a construct it does not
 * understand (case, eval, backquotes, a command name held in a variable) is an error, so a new
 * construct cannot hide a command from the check that uses this (setup-tools.test.ts).
 */

/** One command a script runs (a program, a builtin or one of its own functions). */
export interface ScriptCommand {
  /** As written, quotes removed: `curl`, `node_modules/.bin/tsc`, `[`. */
  name: string;
  args: string[];
  /** 1-based line of the script. */
  line: number;
  /** The shell function whose body holds it. */
  inFunction?: string;
}

export interface ShellScan {
  commands: ScriptCommand[];
  /** Names of the functions the script defines. */
  functions: Set<string>;
}

/** Thrown for a construct this reader does not follow; the message names the line. */
export class UnsupportedScript extends Error {}

/** The commands `text` (bash) runs, in order; `firstLine` numbers the first line of `text`. */
export function shellCommands(text: string, firstLine = 1): ShellScan {
  const scan: ShellScan = { commands: [], functions: new Set() };
  parse(tokenize(text, firstLine, scan), scan);
  return scan;
}

/** The commands of a Makefile's recipes (`$(VAR)` expanded from `VAR := value` lines, `$$` as `$`). */
export function makefileCommands(text: string): ShellScan {
  const vars = new Map<string, string>();
  for (const m of text.matchAll(/^([A-Za-z_][A-Za-z0-9_]*)\s*:?=\s*(.*)$/gm)) vars.set(m[1] ?? '', m[2]?.trim() ?? '');
  const scan: ShellScan = { commands: [], functions: new Set() };
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const first = index + 1;
    let recipe = lines[index] ?? '';
    if (!recipe.startsWith('\t')) continue;
    while (recipe.endsWith('\\') && index + 1 < lines.length) recipe = `${recipe.slice(0, -1)}${lines[++index]}`;
    const shell = recipe
      .slice(1)
      .replace(/^[@+-]+/, '')
      .replace(/\$(\$|\(([^)]*)\)|\{([^}]*)\}|.)/g, (whole, _: string, paren?: string, brace?: string) => {
        if (whole === '$$') return '$';
        const value = vars.get(paren ?? brace ?? '');
        if (value === undefined)
          throw new UnsupportedScript(`Makefile:${first}: ${whole} is not a variable set with := or =`);
        return value;
      });
    scan.commands.push(...shellCommands(shell, first).commands);
  }
  return scan;
}

const SHELL_STRING = new Set(['exec', 'execSync']);
/** A string literal with nothing to interpolate, as the first argument of a call. */
const LITERAL = /^(?:'([^'\\]*)'|"([^"\\]*)"|`([^`$\\]*)`)/;

/**
 * The commands a Node script starts through the functions it imports from node:child_process,
 * directly or through its own helpers that pass their first parameter on
 * (`function run(cmd, args) { spawn(cmd, args) }`).
 */
export function nodeScriptCommands(text: string): ScriptCommand[] {
  // only whole-line comments: `/*` also occurs inside strings ('/usr/share/doc/*')
  const code = text
    .replace(/^[ \t]*\/\/.*$/gm, '')
    .replace(/^[ \t]*\/\*[\s\S]*?\*\//gm, (c) => c.replace(/[^\n]/g, ' '));
  const lineAt = (index: number) => code.slice(0, index).split('\n').length;
  const fail = (index: number, what: string): never => {
    throw new UnsupportedScript(`line ${lineAt(index)}: ${what}`);
  };
  const imports = /import\s*\{([^}]*)\}\s*from\s*['"](?:node:)?child_process['"]/.exec(code);
  const other = /(?:import\s+(?:\*\s+as\s+)?[\w$]+\s+from|require\()\s*['"](?:node:)?child_process['"]/.exec(code);
  if (other) fail(other.index, 'import only named functions from node:child_process, so each call can be found');
  /** Local name → the child_process function, or `run` for a helper that passes its parameter on. */
  const runners = new Map<string, string>();
  for (const spec of imports?.[1]?.split(',') ?? []) {
    const [imported, local = imported] = spec.trim().split(/\s+as\s+/);
    if (imported) runners.set(local?.trim() ?? imported, imported);
  }
  const calls = () => new RegExp(`(?<![\\w$.])(?<!function\\s+)(${[...runners.keys()].join('|') || '$^'})\\(\\s*`, 'g');
  // a helper that passes its parameter on runs commands too: find them to a fixpoint
  for (let size = -1; size !== runners.size; ) {
    size = runners.size;
    for (const m of code.matchAll(calls())) {
      const rest = code.slice(m.index + m[0].length);
      if (LITERAL.test(rest)) continue;
      const param = /^([A-Za-z_$][\w$]*)\s*[,)]/.exec(rest)?.[1];
      const def = [...code.slice(0, m.index).matchAll(/function\s+([A-Za-z_$][\w$]*)\s*\(([^)]*)\)/g)].at(-1);
      const helper = def?.[1];
      if (param === undefined || helper === undefined || def?.[2]?.split(',')[0]?.trim() !== param) {
        return fail(m.index, `${m[1]}(${rest.split(/[,)]/)[0]}, ...) runs a command that is not a literal string`);
      }
      if (!runners.has(helper))
        runners.set(helper, SHELL_STRING.has(runners.get(m[1] ?? '') ?? '') ? 'execSync' : 'run');
    }
  }
  const commands: ScriptCommand[] = [];
  for (const m of code.matchAll(calls())) {
    const rest = code.slice(m.index + m[0].length);
    const literal = LITERAL.exec(rest);
    if (literal === null) continue; // a parameter passed on: checked above
    const name = literal[1] ?? literal[2] ?? literal[3] ?? '';
    const line = lineAt(m.index);
    if (SHELL_STRING.has(runners.get(m[1] ?? '') ?? '')) {
      commands.push(...shellCommands(name, line).commands.map((c) => ({ ...c, line })));
      continue;
    }
    const shArgs = /^\s*,\s*\[\s*'-c'\s*,\s*(?:'([^'\\]*)'|"([^"\\]*)")/.exec(rest.slice(literal[0].length));
    const args = shArgs ? ['-c', shArgs[1] ?? shArgs[2] ?? ''] : [];
    commands.push({ name, args, line });
    if ((name === 'sh' || name === 'bash') && shArgs) {
      commands.push(...shellCommands(args[1] ?? '', line).commands.map((c) => ({ ...c, line })));
    }
  }
  return commands;
}

// --- tokens -----------------------------------------------------------------------------------

interface Token {
  kind: 'word' | 'op' | 'redir';
  text: string;
  line: number;
  /** What its `$(...)` (or, for a heredoc, its body's) run, before the command it belongs to. */
  inner?: ScriptCommand[];
}

const OPERATORS = ['&&', '||', ';;', ';', '&', '|', '(', ')', '\n'];
const REDIRECTION = /^(?:\d*(?:>>|>&|<&|<<<|<<-|<<|<>|>\||>|<)|&>>?)/;
/** Marks a `$(...)` inside a word: its value is not known from the text. */
const SUBST = '\u0000';
const notLiteral = (word: string) => word.includes('$') || word.includes(SUBST);

function tokenize(text: string, firstLine: number, scan: ShellScan): Token[] {
  const tokens: Token[] = [];
  const heredocs: { delimiter: string; strip: boolean; quoted: boolean; token: Token }[] = [];
  const inner: ScriptCommand[] = [];
  let line = firstLine;
  let i = 0;
  const fail = (what: string): never => {
    throw new UnsupportedScript(`line ${line}: ${what}`);
  };

  /** Runs a `$(...)` at `start` (the `$`) through the parser; returns the index after its `)`. */
  const substitution = (start: number): number => {
    const close = closingParen(text, start + 1, fail);
    inner.push(...substitutionsIn(text.slice(start, close + 1), line, scan));
    return close + 1;
  };

  const readWord = (): string => {
    let out = '';
    while (i < text.length) {
      const c = text[i] ?? '';
      if (/\s/.test(c) || ';&|()<>'.includes(c)) break;
      if (c === "'") {
        const end = text.indexOf("'", i + 1);
        if (end < 0) fail('an unterminated single quote');
        out += text.slice(i + 1, end);
        line += countNewlines(text.slice(i, end));
        i = end + 1;
      } else if (c === '"') {
        i++;
        while (i < text.length && text[i] !== '"') {
          const d = text[i] ?? '';
          if (d === '\\') {
            out += text[i + 1] ?? '';
            i += 2;
          } else if (d === '$' && text[i + 1] === '(') {
            const end = substitution(i);
            line += countNewlines(text.slice(i, end));
            out += SUBST;
            i = end;
          } else if (d === '`') {
            fail('backquotes (use $(...))');
          } else {
            if (d === '\n') line++;
            out += d;
            i++;
          }
        }
        if (i >= text.length) fail('an unterminated double quote');
        i++;
      } else if (c === '\\') {
        if (text[i + 1] === '\n') line++;
        else out += text[i + 1] ?? '';
        i += 2;
      } else if (c === '$' && text[i + 1] === '(') {
        const end = substitution(i);
        line += countNewlines(text.slice(i, end));
        out += SUBST;
        i = end;
      } else if (c === '$' && text[i + 1] === '{') {
        const end = closingBrace(text, i + 1, fail);
        out += text.slice(i, end + 1);
        i = end + 1;
      } else if (c === '`') {
        fail('backquotes (use $(...))');
      } else {
        out += c;
        i++;
      }
    }
    return out;
  };

  while (i < text.length) {
    const c = text[i] ?? '';
    if (c === '\n') {
      tokens.push({ kind: 'op', text: '\n', line });
      line++;
      i++;
      for (const doc of heredocs.splice(0)) {
        const bodyLine = line;
        let body = '';
        for (;;) {
          if (i >= text.length) fail(`the heredoc ${doc.delimiter} does not end`);
          const end = text.indexOf('\n', i);
          const current = text.slice(i, end < 0 ? text.length : end);
          i = end < 0 ? text.length : end + 1;
          line++;
          if ((doc.strip ? current.replace(/^\t+/, '') : current) === doc.delimiter) break;
          body += `${current}\n`;
        }
        if (!doc.quoted) doc.token.inner = substitutionsIn(body, bodyLine, scan);
      }
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '\\' && text[i + 1] === '\n') {
      line++;
      i += 2;
      continue;
    }
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    const redirection = REDIRECTION.exec(text.slice(i))?.[0];
    if (redirection !== undefined) {
      i += redirection.length;
      while (text[i] === ' ' || text[i] === '\t') i++;
      const rawStart = i;
      const target = readWord();
      const token: Token = { kind: 'redir', text: redirection + target, line, inner: inner.splice(0) };
      if (redirection.endsWith('<<') || redirection.endsWith('<<-')) {
        const quoted = /['"\\]/.test(text.slice(rawStart, i));
        heredocs.push({ delimiter: target, strip: redirection.endsWith('-'), quoted, token });
      }
      tokens.push(token);
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op !== undefined) {
      tokens.push({ kind: 'op', text: op, line });
      i += op.length;
      continue;
    }
    const wordLine = line;
    const word = readWord();
    tokens.push({ kind: 'word', text: word, line: wordLine, inner: inner.splice(0) });
  }
  return tokens;
}

function countNewlines(s: string): number {
  return s.split('\n').length - 1;
}

/** Index of the `)` that closes the `(` at `open`, skipping quotes and nested `$(...)`. */
function closingParen(text: string, open: number, fail: (what: string) => never): number {
  let depth = 0;
  for (let j = open; j < text.length; j++) {
    const c = text[j];
    if (c === '\\') j++;
    else if (c === "'") j = text.indexOf("'", j + 1);
    else if (c === '"') j = closingQuote(text, j, fail);
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return j;
    if (j < 0) break;
  }
  return fail('an unterminated $(');
}

function closingQuote(text: string, open: number, fail: (what: string) => never): number {
  for (let j = open + 1; j < text.length; j++) {
    const c = text[j];
    if (c === '\\') j++;
    else if (c === '$' && text[j + 1] === '(') j = closingParen(text, j + 1, fail);
    else if (c === '"') return j;
  }
  return fail('an unterminated double quote');
}

function closingBrace(text: string, open: number, fail: (what: string) => never): number {
  let depth = 0;
  for (let j = open; j < text.length; j++) {
    const c = text[j];
    if (c === '\\') j++;
    else if (c === "'") j = text.indexOf("'", j + 1);
    else if (c === '"') j = closingQuote(text, j, fail);
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return j;
    if (j < 0) break;
  }
  return fail('an unterminated ${');
}

/**
 * The commands of each `$(...)` in `text` (a substitution, arithmetic, a heredoc body: text that
 * is not itself run); functions they define join `scan`'s.
 */
function substitutionsIn(text: string, firstLine: number, scan: ShellScan): ScriptCommand[] {
  const fail = (what: string): never => {
    throw new UnsupportedScript(`line ${firstLine}: ${what}`);
  };
  const commands: ScriptCommand[] = [];
  for (let j = text.indexOf('$('); j >= 0; j = text.indexOf('$(', j + 1)) {
    const close = closingParen(text, j + 1, fail);
    const body = text.slice(j + 2, close);
    const line = firstLine + countNewlines(text.slice(0, j));
    if (body.startsWith('(')) {
      commands.push(...substitutionsIn(body.slice(1, -1), line, scan)); // $(( arithmetic ))
    } else {
      const nested = shellCommands(body, line);
      commands.push(...nested.commands);
      for (const name of nested.functions) scan.functions.add(name);
    }
    j = close;
  }
  return commands;
}

// --- commands ---------------------------------------------------------------------------------

const KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'fi', 'do', 'done', 'while', 'until', '!', 'time']);
const UNSUPPORTED = new Set(['case', 'esac', 'function', 'select', 'coproc', 'eval', 'source', '.', 'alias']);
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=/;

function parse(tokens: Token[], scan: ShellScan): void {
  const functions: { name: string; depth: number }[] = [];
  let pendingFunction: string | undefined;
  let depth = 0;
  let words: Token[] = [];
  let skipTo: string | undefined; // `for x in ...` up to the separator, `[[ ... ]]` up to `]]`

  const emit = () => {
    const [first, ...rest] = words;
    words = [];
    if (first === undefined) return;
    const inFunction = functions.at(-1)?.name;
    emitCommand(
      scan,
      { name: first.text, args: rest.map((w) => w.text), line: first.line, ...(inFunction ? { inFunction } : {}) },
      first.line,
    );
  };

  for (let k = 0; k < tokens.length; k++) {
    const token = tokens[k] as Token;
    const inFunction = functions.at(-1)?.name;
    for (const command of token.inner ?? []) {
      scan.commands.push(command.inFunction || !inFunction ? command : { ...command, inFunction });
    }
    if (skipTo !== undefined) {
      if (skipTo === ']]' ? token.text === ']]' : token.kind === 'op' && (token.text === ';' || token.text === '\n'))
        skipTo = undefined;
      continue;
    }
    if (token.kind === 'redir') continue;
    if (token.kind === 'op') {
      const next = tokens[k + 1];
      if (token.text === '(' && words.length === 1 && next?.text === ')') {
        pendingFunction = words[0]?.text ?? '';
        scan.functions.add(pendingFunction);
        words = [];
        k++;
        continue;
      }
      const last = words.at(-1);
      if (token.text === '(' && last !== undefined && ASSIGNMENT.test(last.text) && last.text.endsWith('=')) {
        while (k < tokens.length && tokens[k]?.text !== ')') k++; // an array literal
        continue;
      }
      if (token.text === ';;') throw new UnsupportedScript(`line ${token.line}: case`);
      emit();
      continue;
    }
    if (words.length > 0) {
      words.push(token);
      continue;
    }
    // the command position
    const word = token.text;
    if (KEYWORDS.has(word)) continue;
    if (word === '{') {
      depth++;
      if (pendingFunction !== undefined) functions.push({ name: pendingFunction, depth: depth - 1 });
      pendingFunction = undefined;
      continue;
    }
    if (word === '}') {
      depth--;
      if (functions.at(-1)?.depth === depth) functions.pop();
      continue;
    }
    if (word === 'for') {
      skipTo = ';';
      continue;
    }
    if (word === '[[') {
      skipTo = ']]';
      continue;
    }
    if (UNSUPPORTED.has(word)) throw new UnsupportedScript(`line ${token.line}: ${word}`);
    if (ASSIGNMENT.test(word)) {
      if (word.endsWith('=') && tokens[k + 1]?.text === '(') {
        while (k < tokens.length && tokens[k]?.text !== ')') k++;
      }
      continue;
    }
    if (notLiteral(word)) {
      throw new UnsupportedScript(`line ${token.line}: the command name ${JSON.stringify(word)} is not literal`);
    }
    words.push(token);
  }
  emit();
}

/** Records a command and what it runs in turn: `nohup X`, `timeout 10 X`, `command X`, `sh -c '...'`. */
function emitCommand(scan: ShellScan, command: ScriptCommand, line: number): void {
  scan.commands.push(command);
  const { name, args } = command;
  const inner = (rest: string[]) => {
    const [next, ...more] = rest;
    if (next === undefined) return;
    if (notLiteral(next)) {
      throw new UnsupportedScript(`line ${line}: ${name} runs ${JSON.stringify(next)}, which is not literal`);
    }
    emitCommand(scan, { ...command, name: next, args: more }, line);
  };
  if (name === 'nohup' || name === 'exec') inner(args);
  else if (name === 'command' && args[0] !== '-v' && args[0] !== '-V') inner(args);
  else if (name === 'timeout') {
    let k = 0;
    while (args[k]?.startsWith('-')) k += /^-[ks]$/.test(args[k] ?? '') ? 2 : 1;
    inner(args.slice(k + 1));
  } else if ((name === 'sh' || name === 'bash') && args[0] === '-c' && args[1] !== undefined) {
    for (const nested of shellCommands(args[1], line).commands) {
      const inFunction = nested.inFunction ?? command.inFunction;
      scan.commands.push({ ...nested, ...(inFunction ? { inFunction } : {}) });
    }
  } else if (name === 'env' || name === 'sudo' || name === 'xargs') {
    throw new UnsupportedScript(`line ${line}: ${name} (the command it runs is not followed)`);
  }
}
