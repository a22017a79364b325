import { describe, expect, it } from 'vitest';
import { makefileCommands, nodeScriptCommands, type ScriptCommand, shellCommands } from './script-commands.js';

const names = (commands: ScriptCommand[]) => commands.map((c) => c.name);

describe('shellCommands', () => {
  it.each([
    ['a simple command', 'curl -fsS http://x/', ['curl']],
    ['lists and pipelines', 'a | b && c || d; e &\nf', ['a', 'b', 'c', 'd', 'e', 'f']],
    ['assignments before a command', 'A=1 B="x y" apt-get install -y x', ['apt-get']],
    ['an assignment alone', 'A=$(date)', ['date']],
    ['redirections, also before the command', '2>/dev/null cat <in >"$out" 2>&1 >&2', ['cat']],
    ['comments', 'a # b c\n# d\necho $# e#f', ['a', 'echo']],
    ['nested substitutions in quotes', 'echo "$(sed -n \'s/a/b/p\' "$(dirname "$0")")"', ['dirname', 'sed', 'echo']],
    ['arithmetic holding a substitution', 'echo $(( $(date +%s) / 2 ))', ['date', 'echo']],
    ['single quotes are literal', "echo '$(not run) `x`'", ['echo']],
    [
      'if, while, negation',
      'if ! grep -q x f; then rm f; elif true; then :; fi\nwhile a; do break; done',
      ['grep', 'rm', 'true', ':', 'a', 'break'],
    ],
    [
      'for: the list is no command, its substitutions are',
      'for i in a $(seq 3); do sleep "$i"; done',
      ['seq', 'sleep'],
    ],
    ['[[ ]] is no command', '[[ -f x && -n y ]] && ls', ['ls']],
    ['array assignments', 'local m=()\nm+=("$p")\nx', ['local', 'x']],
    ['groups', '{ a && b; } >/dev/null || { c; d; }', ['a', 'b', 'c', 'd']],
    ['subshells', '(cd x && make)', ['cd', 'make']],
    [
      'wrappers and what they run',
      'nohup dockerd &\ntimeout -s KILL 10 docker version',
      ['nohup', 'dockerd', 'timeout', 'docker'],
    ],
    ['command -v only looks', 'command -v jq || command apt-get install jq', ['command', 'command', 'apt-get']],
    ['sh -c runs its string', "sh -c 'curl x | jq .'", ['sh', 'curl', 'jq']],
    ['a quoted heredoc runs nothing', "cat <<'EOF'\nversion: 1\n$(hostname)\nEOF\nnext", ['cat', 'next']],
    [
      'an unquoted heredoc runs its substitutions',
      'cat >f <<EOF\nhost: $(hostname)\nEOF\nnext',
      ['hostname', 'cat', 'next'],
    ],
    ['continued lines', 'apt-get install \\\n  curl\nnext', ['apt-get', 'next']],
  ])('%s', (_, script, expected) => {
    expect(names(shellCommands(script).commands)).toEqual(expected);
  });

  it('numbers lines, through continuations, heredocs and multi-line quotes', () => {
    const script = 'a \\\n  -x\ncat <<EOF\n1\n2\nEOF\necho "x\ny"\nb\n';
    expect(shellCommands(script).commands.map((c) => [c.name, c.line])).toEqual([
      ['a', 1],
      ['cat', 3],
      ['echo', 7],
      ['b', 9],
    ]);
  });

  it('knows the functions a script defines and what runs inside them', () => {
    const scan = shellCommands('f() { curl "$(g)"; }\ng() {\n  if x; then { y; }; fi\n}\nf\nz');
    expect([...scan.functions]).toEqual(['f', 'g']);
    expect(scan.commands.map((c) => `${c.name}@${c.line}${c.inFunction ? ` in ${c.inFunction}` : ''}`)).toEqual([
      'g@1 in f',
      'curl@1 in f',
      'x@3 in g',
      'y@3 in g',
      'f@5',
      'z@6',
    ]);
  });

  it.each([
    ['case', 'case $x in a) b;; esac'],
    ['backquotes', 'echo `date`'],
    ['a command in a variable', '$cmd --x'],
    ['a substitution as the command', '"$(which jq)" .'],
    ['eval', 'eval "$x"'],
    ['env, whose command is not followed', 'env A=1 jq .'],
    ['a wrapper of a variable', 'nohup "$daemon" &'],
    ['an unterminated quote', 'echo "x'],
  ])('refuses what it cannot follow: %s', (_, script) => {
    expect(() => shellCommands(script)).toThrow(/^line 1: /);
  });
});

describe('makefileCommands', () => {
  it('reads recipes with make variables expanded and $$ as $', () => {
    const makefile =
      'BIN := node_modules/.bin\nX = y\n\nall: build\n\t@$(BIN)/tsc -b\n\t-for b in *.mjs; do node "$$b"; done\n';
    expect(makefileCommands(makefile).commands.map((c) => [c.name, c.line])).toEqual([
      ['node_modules/.bin/tsc', 5],
      ['node', 6],
    ]);
  });

  it.each([
    ['an unknown variable', 'x:\n\t$(NOPE)/tsc\n'],
    ['an automatic variable', 'x:\n\tcp a $@\n'],
  ])('refuses %s', (_, makefile) => {
    expect(() => makefileCommands(makefile)).toThrow(/^Makefile:2: /);
  });
});

describe('nodeScriptCommands', () => {
  it.each([
    ['a direct call', "import { spawn } from 'node:child_process';\nspawn('curl', ['-f']);", ['curl']],
    [
      'through a helper that passes its parameter on',
      "import { spawn } from 'node:child_process';\nfunction run(cmd, args) {\n  return spawn(cmd, args);\n}\nrun('mmdebstrap', []);",
      ['mmdebstrap'],
    ],
    [
      'sh -c runs its string',
      "import { execFileSync } from 'node:child_process';\nexecFileSync('sh', ['-c', 'command -v x || true']);",
      ['sh', 'command', 'true'],
    ],
    [
      'a shell string, under another name',
      "import { execSync as shell } from 'child_process';\nshell('ls | wc -l');",
      ['ls', 'wc'],
    ],
    [
      'not a comment, a method or an unimported name',
      "import { spawn } from 'node:child_process';\n// spawn('jq')\n/** spawn('jq') */\nre.exec(x); spawnLike('y'); execFile('z');",
      [],
    ],
  ])('%s', (_, code, expected) => {
    expect(names(nodeScriptCommands(code))).toEqual(expected);
  });

  it('gives each command its line', () => {
    const code = "import { spawn } from 'node:child_process';\n\n// x\n/**\n * y\n */\nspawn('curl');\n";
    expect(nodeScriptCommands(code)).toEqual([{ name: 'curl', args: [], line: 7 }]);
  });

  it.each([
    ['a command in a variable', "import { spawn } from 'node:child_process';\nconst c = 'jq';\nspawn(c);"],
    ['a namespace import', "import * as cp from 'node:child_process';\ncp.spawn('jq');"],
    ['require', "const cp = require('child_process');\ncp.spawn('jq');"],
    ['an expression', "import { spawn } from 'node:child_process';\nspawn(process.execPath, ['x']);"],
  ])('refuses %s', (_, code) => {
    expect(() => nodeScriptCommands(code)).toThrow(/^line \d+: /);
  });
});
