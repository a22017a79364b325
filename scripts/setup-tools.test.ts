/*
 * A brand-new machine needs nothing by hand beyond the README's prerequisites: every program the
 * scripts run is a shell builtin, part of every Debian, installed by setup (apt or npm) before it
 * runs, or named in the README's "What it needs".
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { makefileCommands, nodeScriptCommands, type ScriptCommand, shellCommands } from './script-commands.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** Builtins and keywords of bash and dash that the scripts use: no program runs. */
const BUILTINS = new Set([
  '[',
  'break',
  'cd',
  'command',
  'echo',
  'exit',
  'export',
  'false',
  'kill',
  'local',
  'printf',
  'return',
  'set',
  'test',
  'true',
]);

/**
 * Programs every Debian has, with their package: Essential ones (coreutils, dash, grep, sed, dpkg)
 * and `apt` and `mount` (Priority: required, so in every debootstrap, even minbase).
 */
const DEBIAN_BASE: Record<string, string> = {
  cat: 'coreutils',
  cp: 'coreutils',
  date: 'coreutils',
  dirname: 'coreutils',
  id: 'coreutils',
  mkdir: 'coreutils',
  nohup: 'coreutils',
  rm: 'coreutils',
  seq: 'coreutils',
  sleep: 'coreutils',
  tail: 'coreutils',
  timeout: 'coreutils',
  touch: 'coreutils',
  tr: 'coreutils',
  uname: 'coreutils',
  sh: 'dash',
  grep: 'grep',
  sed: 'sed',
  dpkg: 'dpkg',
  'dpkg-query': 'dpkg',
  'apt-get': 'apt',
  mount: 'mount',
};

/** The Debian package that brings each program setup installs with `apt_install`. */
const APT_PROVIDES: Record<string, string> = {
  curl: 'curl',
  docker: 'docker.io',
  dockerd: 'docker.io',
  'docker-registry': 'docker-registry',
  mmdebstrap: 'mmdebstrap',
};

interface Script {
  path: string;
  commands: ScriptCommand[];
  functions: Set<string>;
}

interface Sources {
  setup: string;
  demo: string;
  buildImages: string;
  makefile: string;
  readme: string;
  packageLock: string;
}

function readSources(): Sources {
  return {
    setup: read('scripts/setup.sh'),
    demo: read('scripts/demo.sh'),
    buildImages: read('scripts/build-images.mjs'),
    makefile: read('Makefile'),
    readme: read('README.md'),
    packageLock: read('package-lock.json'),
  };
}

/** What the README asks for: the prerequisites and the Debian packages it says setup installs. */
function readmeNeeds(readme: string): { prerequisites: Set<string>; aptPackages: Set<string> } {
  const section = /\*\*What it needs\*\*\n\n((?:- .*\n(?: {2}.*\n)*)+)/.exec(readme)?.[1];
  if (section === undefined) throw new Error('README.md has no "**What it needs**" list');
  const items = section.split(/^- /m).filter(Boolean);
  const named = (prefix: RegExp) => {
    const item = items.find((i) => prefix.test(i));
    if (item === undefined) throw new Error(`README.md's "What it needs" has no item ${prefix}`);
    return new Set([...item.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? ''));
  };
  return { prerequisites: named(/^prerequisites:/i), aptPackages: named(/^Debian\b.*setup installs/is) };
}

function scriptsOf(sources: Sources): Script[] {
  const setup = shellCommands(sources.setup);
  const demo = shellCommands(sources.demo);
  const twoCommands = /## The two commands\n\n```sh\n([\s\S]*?)```/.exec(sources.readme)?.[1];
  if (twoCommands === undefined) throw new Error('README.md has no "## The two commands" sh block');
  return [
    { path: 'README.md', ...shellCommands(twoCommands) },
    { path: 'Makefile', ...makefileCommands(sources.makefile) },
    { path: 'scripts/setup.sh', ...setup },
    { path: 'scripts/demo.sh', ...demo },
    { path: 'scripts/build-images.mjs', commands: nodeScriptCommands(sources.buildImages), functions: new Set() },
  ];
}

/** The packages setup.sh passes to apt_install. */
function setupAptPackages(setup: string): Set<string> {
  return new Set(
    shellCommands(setup)
      .commands.filter((c) => c.name === 'apt_install')
      .flatMap((c) => c.args),
  );
}

/** Every `bin` the lock file's packages install into node_modules/.bin. */
function npmBins(packageLock: string): Set<string> {
  const lock = JSON.parse(packageLock) as { packages: Record<string, { bin?: Record<string, string> | string }> };
  const bins = new Set<string>();
  for (const [path, meta] of Object.entries(lock.packages)) {
    if (typeof meta.bin === 'string') bins.add(path.split('node_modules/').at(-1)?.split('/').at(-1) ?? '');
    else for (const name of Object.keys(meta.bin ?? {})) bins.add(name);
  }
  return bins;
}

/** Each program the scripts run that nothing provides, as `path:line: name ...`. */
function unprovidedCommands(sources: Sources): string[] {
  const { prerequisites } = readmeNeeds(sources.readme);
  const apt = setupAptPackages(sources.setup);
  const bins = npmBins(sources.packageLock);
  const problems: string[] = [];
  for (const script of scriptsOf(sources)) {
    for (const { name, line } of script.commands) {
      if (BUILTINS.has(name) || script.functions.has(name) || prerequisites.has(name) || name in DEBIAN_BASE) continue;
      const where = `${script.path}:${line}: ${name}`;
      if (name.startsWith('node_modules/.bin/')) {
        if (!bins.has(name.slice('node_modules/.bin/'.length)))
          problems.push(`${where} is no bin of package-lock.json`);
      } else if (name.includes('/')) {
        if (!existsSync(join(ROOT, name))) problems.push(`${where} is not a file of the repository`);
      } else if (APT_PROVIDES[name] !== undefined) {
        if (!apt.has(APT_PROVIDES[name]))
          problems.push(`${where} comes from ${APT_PROVIDES[name]}, which setup does not install`);
      } else {
        problems.push(`${where} is neither installed by setup nor a prerequisite in README.md's "What it needs"`);
      }
    }
  }
  return problems;
}

/**
 * Each program from an apt package that setup.sh runs (itself or through build-images.mjs) on a
 * line before the first line that installs that package. A command inside a function runs where
 * the function is first called.
 */
function runsBeforeInstall(setupText: string, buildImagesText: string): string[] {
  const setup = shellCommands(setupText);
  const bodies = new Map<string, ScriptCommand[]>();
  for (const c of setup.commands) if (c.inFunction) bodies.set(c.inFunction, [...(bodies.get(c.inFunction) ?? []), c]);
  const when = (c: ScriptCommand, seen = new Set<string>()): number => {
    if (c.inFunction === undefined) return c.line;
    if (seen.has(c.inFunction)) return Number.POSITIVE_INFINITY;
    const calls = setup.commands.filter((d) => d.name === c.inFunction);
    return Math.min(...calls.map((d) => when(d, new Set([...seen, c.inFunction as string]))));
  };
  const runsBuildImages = setup.commands.filter((c) => c.name === 'node' && c.args[0] === 'scripts/build-images.mjs');
  const uses = [
    ...setup.commands.map((c) => ({ name: c.name, at: when(c), where: `scripts/setup.sh:${c.line}` })),
    ...runsBuildImages.flatMap((run) =>
      nodeScriptCommands(buildImagesText).map((c) => ({
        name: c.name,
        at: when(run),
        where: `scripts/build-images.mjs:${c.line} (run at scripts/setup.sh:${run.line})`,
      })),
    ),
  ];
  const installedAt = new Map<string, number>();
  for (const c of setup.commands.filter((d) => d.name === 'apt_install')) {
    for (const pkg of c.args) installedAt.set(pkg, Math.min(installedAt.get(pkg) ?? Number.POSITIVE_INFINITY, when(c)));
  }
  return uses.flatMap(({ name, at, where }) => {
    const pkg = APT_PROVIDES[name];
    const installed = pkg === undefined ? undefined : (installedAt.get(pkg) ?? Number.POSITIVE_INFINITY);
    return installed !== undefined && at <= installed
      ? [`${where}: ${name} runs (first at line ${at}) before setup installs ${pkg} (line ${installed})`]
      : [];
  });
}

describe('the tools the scripts run', () => {
  const sources = readSources();

  it('are builtins, part of every Debian, installed by setup, or prerequisites in the README', () => {
    expect(unprovidedCommands(sources)).toEqual([]);
  });

  it('catches a program nothing provides, wherever it is run', () => {
    const withJq = { ...sources, demo: `${sources.demo}jq . "$E_SHARED/state.json"\n` };
    const line = withJq.demo.split('\n').length - 1;
    expect(unprovidedCommands(withJq)).toEqual([
      `scripts/demo.sh:${line}: jq is neither installed by setup nor a prerequisite in README.md's "What it needs"`,
    ]);
    const withoutMmdebstrap = { ...sources, setup: sources.setup.replace(/apt_install mmdebstrap/g, 'apt_install') };
    expect(unprovidedCommands(withoutMmdebstrap)).toEqual([
      expect.stringMatching(/^scripts\/build-images\.mjs:\d+: mmdebstrap comes from mmdebstrap, which setup does not/),
    ]);
    const withMake = { ...sources, readme: sources.readme.replace(/GNU `make`/, 'GNU make') };
    expect(unprovidedCommands(withMake)).toContainEqual(expect.stringMatching(/^README\.md:\d+: make is neither/));
  });

  it('setup installs each apt package before it first runs a program from it', () => {
    expect(runsBeforeInstall(sources.setup, sources.buildImages)).toEqual([]);
  });

  it('catches a program that runs before its package is installed', () => {
    const probeFirst = sources.setup.replace(/^(step "npm dependencies)/m, 'curl -fsS http://127.0.0.1:5000/v2/\n$1');
    expect(runsBeforeInstall(probeFirst, sources.buildImages)).toEqual([
      expect.stringMatching(/^scripts\/setup\.sh:\d+: curl runs \(first at line \d+\) before setup installs curl/),
    ]);
  });

  it('the README names exactly the Debian packages setup installs', () => {
    expect([...readmeNeeds(sources.readme).aptPackages].sort()).toEqual([...setupAptPackages(sources.setup)].sort());
  });
});
