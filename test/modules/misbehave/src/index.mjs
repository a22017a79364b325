// A module for e's runtime tests only. The lifecycle commands behave (they keep a counter in the
// module's own section, slowly, to expose lost updates); the mode commands break the module
// contract on purpose so the tests can check that e restores the state and says what happened.
//   node module.mjs <command> [mode]     modes: see MODES below
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { parse, stringify } from 'yaml';

const STATE = process.env.E_STATE ?? '/shared/state.yml';
const SHARED = process.env.E_SHARED ?? '/shared';
const NAME = process.env.E_MODULE ?? 'misbehave';
const [command, mode = 'behave', ...rest] = process.argv.slice(2);
const sleepMs = Number(process.env.MISBEHAVE_SLEEP_MS ?? 0);

function readState() {
  try {
    return parse(readFileSync(STATE, 'utf8')) ?? {};
  } catch (error) {
    if (error.code === 'ENOENT') return {};
    throw error;
  }
}

function writeState(state) {
  writeFileSync(`${STATE}.tmp`, stringify(state));
  renameSync(`${STATE}.tmp`, STATE);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const MODES = {
  behave: async () => {
    const state = readState();
    const section = state[NAME] ?? {};
    if (command === 'init') {
      writeFileSync(`${SHARED}/${NAME}-config.yml`, stringify({ wanted: 'applied' }));
      state[NAME] = { ...section, status: section.status ?? 'initialized' };
      writeState(state);
      console.log(`${NAME}: initialized`);
      return 0;
    }
    if (command === 'plan') {
      // bench/parallel.mjs gives plans some work to take time; unset, a plan returns at once
      if (process.env.MISBEHAVE_PLAN_SLEEP_MS) await sleep(Number(process.env.MISBEHAVE_PLAN_SLEEP_MS));
      const changes = section.status !== 'applied';
      console.log(changes ? `${NAME}: will apply` : `${NAME}: no changes`);
      return changes ? 2 : 0;
    }
    if (command === 'apply') {
      // read, wait, write: two unguarded applies at once would lose one of the updates
      await sleep(sleepMs);
      const fresh = readState();
      fresh[NAME] = { ...(fresh[NAME] ?? {}), status: 'applied', applies: (fresh[NAME]?.applies ?? 0) + 1 };
      writeState(fresh);
      console.log(`${NAME}: applied (${fresh[NAME].applies})`);
      return 0;
    }
    if (command === 'audit') {
      console.log(section.drift ? `${NAME}: drift: ${section.drift}` : `${NAME}: clean`);
      return section.drift ? 3 : 0;
    }
    if (command === 'metadata' && process.env.MISBEHAVE_METADATA) {
      console.log(process.env.MISBEHAVE_METADATA);
      return 0;
    }
    console.log(`${NAME} ${command}: ok`);
    return 0;
  },
  // the rest of the staged directory is a copy: none of these may reach the live one
  'delete-lock': async () => {
    const lock = `${SHARED}/.e/lock`;
    console.log(existsSync(lock) ? 'deleting .e/lock' : 'no .e/lock to delete here');
    rmSync(lock, { force: true });
    await sleep(sleepMs);
    const state = readState();
    state[NAME] = { ...(state[NAME] ?? {}), status: 'applied' };
    writeState(state);
    return 0;
  },
  'rewrite-history': () => {
    mkdirSync(`${SHARED}/.e/history`, { recursive: true });
    writeFileSync(`${SHARED}/.e/history/000001-forged.json`, '{"seq":1,"command":"forged"}\n');
    console.log('rewrote .e/history');
    return 0;
  },
  'edit-other-config': () => {
    writeFileSync(`${SHARED}/azi-config.yml`, 'size: 99\n');
    console.log("edited azi's config");
    return 0;
  },
  'write-outside': () => {
    writeFileSync(`${SHARED}/notes.txt`, 'not mine to write\n');
    console.log('wrote notes.txt');
    return 0;
  },
  'symlink-state': () => {
    const target = rest[0] ?? '/etc/hostname';
    rmSync(STATE, { force: true });
    symlinkSync(target, STATE);
    console.log(`state.yml now points to ${target}`);
    return 0;
  },
  'fifo-state': () => {
    rmSync(STATE, { force: true });
    execFileSync('mkfifo', [STATE]);
    console.log('state.yml is now a FIFO');
    return 0;
  },
  'dir-state': () => {
    rmSync(STATE, { force: true });
    mkdirSync(STATE);
    console.log('state.yml is now a directory');
    return 0;
  },
  'own-files': () => {
    writeFileSync(`${SHARED}/${NAME}-config.yml`, 'wanted: more\n');
    mkdirSync(`${SHARED}/${NAME}/data`, { recursive: true });
    writeFileSync(`${SHARED}/${NAME}/data/notes.txt`, 'mine\n');
    const state = readState();
    state[NAME] = { ...(state[NAME] ?? {}), status: 'applied', files: 2 };
    writeState(state);
    console.log('wrote my own files');
    return 0;
  },
  'fail-apply': () => {
    const state = readState();
    state[NAME] = { ...(state[NAME] ?? {}), status: 'applied' };
    writeState(state);
    console.error('applied half, then failed');
    return 1;
  },
  'invalid-yaml': () => {
    writeFileSync(STATE, `${readFileSync(STATE, 'utf8')}\n${NAME}: [unclosed, {yaml\n`);
    console.log('wrote invalid YAML');
    return 0;
  },
  'delete-other': () => {
    const state = readState();
    const victim = Object.keys(state).find((key) => key !== NAME && key !== 'e');
    delete state[victim];
    state[NAME] = { status: 'applied' };
    writeState(state);
    console.log(`deleted section ${victim}`);
    return 0;
  },
  'edit-records': () => {
    const state = readState();
    state.e = {
      ...(state.e ?? {}),
      installed: {
        ...(state.e?.installed ?? {}),
        [NAME]: { version: '9.9.9', status: 'applied', labels: {}, installedAt: 'x', updatedAt: 'x' },
      },
    };
    writeState(state);
    console.log("edited e's records");
    return 0;
  },
  hang: async () => {
    process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
    const state = readState();
    state[NAME] = { ...(state[NAME] ?? {}), status: 'hanging' };
    writeState(state);
    console.log('hanging');
    for (;;) await sleep(1000);
  },
  flood: async () => {
    // 50 MB on stdout, in lines, respecting backpressure
    const line = `${'x'.repeat(99)}\n`;
    const chunk = line.repeat(10_000); // ~1 MB
    for (let i = 0; i < 50; i++) {
      if (!process.stdout.write(chunk)) await new Promise((resolve) => process.stdout.once('drain', resolve));
    }
    console.error('flooded 50 MB');
    return 0;
  },
  'crash-mid-write': () => {
    const state = readState();
    state[NAME] = {
      status: 'applied',
      nodes: Array.from({ length: 50 }, (_, i) => ({ name: `node-${i}`, ip: `10.0.0.${i}` })),
    };
    const text = stringify(state);
    // write in place (no temporary file) and die halfway through
    const fd = openSync(STATE, 'w');
    writeSync(fd, text.slice(0, Math.floor(text.length / 2)));
    closeSync(fd);
    console.error('crashing halfway through writing state.yml');
    process.exit(1);
  },
};

const run = MODES[mode];
if (!run) {
  console.error(`misbehave: unknown mode "${mode}"; modes: ${Object.keys(MODES).join(', ')}`);
  process.exit(1);
}
process.exitCode = await run();
