#!/usr/bin/env node
// What isolating a module run costs, in-process, on a realistic shared directory: 1,000 files and
// 50 MB (a state.yml of a few hundred KB with 20 module sections and e's records, 20 module
// directories of many small files and one large one each, 20 `<name>-config.yml`), plus 200 MB of
// `.inputs/` that must not be copied. Per run (fresh staging each time):
//   stage: stageSharedDir + writeBaseline                      (what e does before the container)
//   merge: settleRun after a simulated apply that changed its own config, 3 of its files and its
//          own state section (compare, merge files, merge state, records, history, remove staging)
// Target: stage + merge under 150 ms (median). Baseline: `cp -a` of the same entries, in pairs
// with stage (alternating which goes first), median of the per-pair ratios.
// Then where the merge goes: a few runs calling settleRun's steps one by one.
//
//   node bench/staging.mjs [--runs 15] [--nodes 100]   (build first: npx tsc -b)
import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { hostname, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { arg } from './support/pairs.mjs';

const RUNS = Number(arg('runs', 15));
/** Nodes per module section of state.yml: 100 make it ~330 KB; fewer show what the merge costs apart from YAML. */
const NODES = Number(arg('nodes', 100));
const BREAKDOWN_RUNS = 3;
const TARGET_MS = 150;

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const load = (name) => import(pathToFileURL(join(root, 'packages/core/dist', name)).href);
const { stageSharedDir } = await load('run/stage.js');
const { removeRun, stagingDir, writeBaseline, writeMarker } = await load('run/run-dir.js');
const { settleRun } = await load('run/record.js');
const { decideMerge, mergeFiles, mergedState } = await load('run/merge.js');
const { loadState, saveState } = await load('state/state-store.js');
const { parseStateText } = await load('state/state-file.js');

const MODULES = [
  'azi',
  'awsi',
  'kubernetes',
  'rook',
  'postgresql',
  'kafka',
  'zookeeper',
  'monitoring',
  'logging',
  'grafana',
  'alertmanager',
  'vault',
  'keycloak',
  'ingress',
  'cert-manager',
  'redis',
  'elasticsearch',
  'minio',
  'backup',
  'dns',
];
/** The module whose apply is simulated: it may write its section, its config and `kafka/`. */
const MODULE = 'kafka';
const TOTAL_FILES = 1000;
const TOTAL_BYTES = 50_000_000;
// 959 small files (47 in the first module, 48 in each other), 20 large, 20 configs and state.yml
const SMALL_PER_MODULE = 48;
const INPUT_FILES = 10;
const INPUT_FILE_BYTES = 20_000_000;

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6;
const text = (bytes) =>
  randomFillSync(Buffer.alloc(Math.ceil((bytes * 3) / 4)))
    .toString('base64')
    .slice(0, bytes);

/** A module's section of state.yml: NODES nodes (100: ~16 KB); `round` changes with each simulated apply. */
function moduleSection(name, index, round) {
  const lines = [`${name}:`, '  status: applied', `  round: ${round}`, '  nodes:'];
  for (let j = 0; j < NODES; j++) {
    lines.push(
      `    - name: ${name}-node-${j}`,
      `      ip: 10.${index}.${j >> 4}.${(j * 7) % 250}`,
      `      zone: westeurope-${(j % 3) + 1}`,
      '      size: Standard_D4s_v3',
      `      tags: {team: platform, env: prod, id: "${name}-${j}-${round}"}`,
    );
  }
  return lines.join('\n');
}

function recordsSection() {
  const lines = ['e:', '  installed:'];
  for (const name of MODULES) {
    lines.push(
      `    ${name}:`,
      '      version: 0.1.0',
      `      digest: localhost:5000/modules/${name}@sha256:${'0123456789abcdef'.repeat(4)}`,
      '      platform: linux/amd64',
      '      labels:',
      `        kind: ${name}`,
      '        version: 0.1.0',
      '      status: applied',
      '      installedAt: "2025-01-01T00:00:00.000Z"',
      '      updatedAt: "2025-01-01T00:00:00.000Z"',
      '      needsPlan: false',
    );
  }
  return lines.join('\n');
}

/** state.yml as the simulated module writes it: every section as is, its own at `round`. */
function stateText(recordsText, rounds) {
  return `${[recordsText, ...MODULES.map((name, i) => moduleSection(name, i, rounds[name] ?? 0))].join('\n')}\n`;
}

/** The live shared directory: exactly TOTAL_FILES files and TOTAL_BYTES bytes outside `.e/` and `.inputs/`. */
function buildShared(shared) {
  mkdirSync(join(shared, '.e'), { recursive: true });
  writeFileSync(join(shared, 'state.yml'), stateText(recordsSection(), {}));
  let bytes = statSync(join(shared, 'state.yml')).size;
  let files = 1;
  const large = [];
  for (const [i, name] of MODULES.entries()) {
    writeFileSync(join(shared, `${name}-config.yml`), `# ${name}\nreplicas: 3\nsettings: ${text(2500)}\n`);
    bytes += statSync(join(shared, `${name}-config.yml`)).size;
    files++;
    const small = i === 0 ? SMALL_PER_MODULE - 1 : SMALL_PER_MODULE;
    for (let j = 0; j < small; j++) {
      const sub = ['manifests', 'certs', 'scripts', 'templates/nested'][j % 4];
      const file = join(shared, name, sub, `${sub.split('/')[0]}-${String(j).padStart(3, '0')}.txt`);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text(1000 + ((j * 3571) % 19_000))); // 1 to 20 KB
      bytes += statSync(file).size;
      files++;
    }
    mkdirSync(join(shared, name, 'cache'), { recursive: true });
    large.push(join(shared, name, 'cache', 'bundle.tar'));
    files++;
  }
  // the large files take up what is left of the 50 MB
  const each = Math.floor((TOTAL_BYTES - bytes) / large.length);
  for (const [i, file] of large.entries()) {
    const size = i === large.length - 1 ? TOTAL_BYTES - bytes - each * (large.length - 1) : each;
    writeFileSync(file, randomFillSync(Buffer.alloc(size)));
  }
  bytes = TOTAL_BYTES;
  // .inputs: read-only downloads, mounted, never copied
  mkdirSync(join(shared, '.inputs'));
  const chunk = randomFillSync(Buffer.alloc(1_000_000));
  for (let i = 0; i < INPUT_FILES; i++) {
    const file = join(shared, '.inputs', `download-${i}.bin`);
    for (let j = 0; j < INPUT_FILE_BYTES / chunk.length; j++) appendFileSync(file, chunk);
  }
  if (files !== TOTAL_FILES) throw new Error(`built ${files} files, meant ${TOTAL_FILES}`);
  return { files, bytes };
}

/** Totals of regular files under `dir` (all of it), to check what staging copied. */
function du(dir) {
  let files = 0;
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    files++;
    bytes += statSync(join(entry.parentPath ?? entry.path, entry.name)).size;
  }
  return { files, bytes };
}

/** What the module does in its staging copy: its config, 3 of its files and its state section. */
function simulateApply(stageDir, recordsText, round) {
  writeFileSync(join(stageDir, `${MODULE}-config.yml`), `# ${MODULE}\nreplicas: ${round}\nsettings: ${text(2500)}\n`);
  writeFileSync(join(stageDir, MODULE, 'manifests', 'manifests-000.txt'), text(4000)); // in place
  const cert = join(stageDir, MODULE, 'certs', 'certs-001.txt');
  writeFileSync(`${cert}.tmp`, text(3000));
  renameSync(`${cert}.tmp`, cert); // a new inode
  appendFileSync(join(stageDir, MODULE, 'cache', 'bundle.tar'), text(1000)); // the large one
  const state = join(stageDir, 'state.yml');
  writeFileSync(`${state}.tmp`, stateText(recordsText, { [MODULE]: round }));
  renameSync(`${state}.tmp`, state);
}

function recordsOf(stateYml) {
  return stateYml.slice(0, stateYml.indexOf(`\n${MODULES[0]}:\n`));
}

let runCount = 0;
function marker(shared) {
  runCount++;
  return {
    id: `${Date.now().toString(36).padStart(9, '0')}-bench${String(runCount).padStart(3, '0')}`,
    module: MODULE,
    version: '0.1.0',
    command: 'apply',
    args: [],
    digest: `localhost:5000/modules/${MODULE}@sha256:${'0123456789abcdef'.repeat(4)}`,
    platform: 'linux/amd64',
    labels: { kind: MODULE, version: '0.1.0' },
    influences: [],
    allowedSections: [],
    influencedPlan: false,
    by: 'bench/staging.mjs',
    pid: process.pid,
    host: hostname(),
    startedAt: new Date().toISOString(),
    stateBefore: readFileSync(join(shared, 'state.yml'), 'utf8'),
    phase: 'exited',
    exitCode: 0,
  };
}

/** One isolated run as e does it; returns its times and checks the merge carried the module's writes. */
async function isolatedRun(shared, round) {
  const run = marker(shared);
  run.stageDir = await stagingDir(shared, run.id);
  await writeMarker(shared, run);
  const t0 = process.hrtime.bigint();
  const stage = await stageSharedDir(shared, run.stageDir);
  await writeBaseline(shared, run.id, stage);
  const stageMs = ms(t0);
  simulateApply(stage.dir, recordsOf(run.stateBefore), round);
  const t1 = process.hrtime.bigint();
  const settled = await settleRun(shared, run, { ended: 'exited', exitCode: 0 }, { stage });
  const mergeMs = ms(t1);
  if (settled.refused) throw new Error(`settleRun refused the run: ${settled.problems.join('; ')}`);
  if (!settled.changedSections.includes(MODULE))
    throw new Error(`settleRun did not merge ${MODULE}'s section: changed ${settled.changedSections.join(', ')}`);
  if (!readFileSync(join(shared, `${MODULE}-config.yml`), 'utf8').includes(`replicas: ${round}\n`))
    throw new Error(`settleRun did not merge ${MODULE}-config.yml`);
  if (!readFileSync(join(shared, 'state.yml'), 'utf8').includes(`id: "${MODULE}-0-${round}"`))
    throw new Error('settleRun did not merge the state section');
  return { stage, stageMs, mergeMs };
}

/** `cp -a` of what staging copies (everything but `.e/` and `.inputs/`) into a new directory. */
function copyBaseline(shared, target) {
  const entries = readdirSync(shared).filter((name) => name !== '.e' && name !== '.inputs');
  mkdirSync(target);
  const t0 = process.hrtime.bigint();
  const result = spawnSync('cp', ['-a', ...entries.map((name) => join(shared, name)), target]);
  const took = ms(t0);
  if (result.status !== 0) throw new Error(`cp -a exited ${result.status}: ${result.stderr}`);
  rmSync(target, { recursive: true, force: true });
  return took;
}

const dir = mkdtempSync(join(tmpdir(), 'e-bench-staging-'));
try {
  const shared = join(dir, 'shared');
  const built = buildShared(shared);
  const inputs = du(join(shared, '.inputs'));
  const loadAverage = () => loadavg()[0].toFixed(1);
  console.log(
    `shared directory: ${built.files} files, ${(built.bytes / 1e6).toFixed(0)} MB in ${MODULES.length} modules ` +
      `(state.yml ${(statSync(join(shared, 'state.yml')).size / 1e3).toFixed(0)} KB); ` +
      `.inputs/ ${inputs.files} files, ${(inputs.bytes / 1e6).toFixed(0)} MB (not staged); load average ${loadAverage()}`,
  );

  // warm-up (page cache, code paths), and a check that staging copies exactly what it should
  {
    const run = marker(shared);
    run.stageDir = await stagingDir(shared, run.id);
    console.log(
      `staging copies go to ${run.stageDir.startsWith(shared) ? 'the shared directory (.e/runs)' : `a tmpfs (${dirname(run.stageDir)})`}`,
    );
    const stage = await stageSharedDir(shared, run.stageDir);
    const staged = du(stage.dir);
    if (staged.files !== built.files || staged.bytes !== built.bytes)
      throw new Error(
        `staging copied ${staged.files} files, ${staged.bytes} bytes; expected ${built.files}, ${built.bytes}`,
      );
    if (readdirSync(join(stage.dir, '.inputs')).length !== 0) throw new Error('staging copied .inputs/');
    await removeRun(shared, run);
    copyBaseline(shared, join(dir, 'cp'));
  }

  const rows = [];
  for (let i = 0; i < RUNS; i++) {
    const round = i + 1;
    // alternate which side goes first, so neither always runs on a warmer machine
    let cpMs;
    if (i % 2 === 1) cpMs = copyBaseline(shared, join(dir, 'cp'));
    const { stageMs, mergeMs } = await isolatedRun(shared, round);
    if (i % 2 === 0) cpMs = copyBaseline(shared, join(dir, 'cp'));
    rows.push({ stageMs, mergeMs, totalMs: stageMs + mergeMs, cpMs, ratio: stageMs / cpMs });
  }

  console.log(`\n${RUNS} isolated runs of ${MODULE} apply (fresh staging each), paired with cp -a:`);
  for (const [i, r] of rows.entries()) {
    console.log(
      `  run ${String(i + 1).padStart(2)}: stage ${r.stageMs.toFixed(1).padStart(6)} ms  merge ${r.mergeMs
        .toFixed(1)
        .padStart(6)} ms  total ${r.totalMs.toFixed(1).padStart(6)} ms   cp -a ${r.cpMs
        .toFixed(1)
        .padStart(6)} ms  stage/cp ${r.ratio.toFixed(2)}`,
    );
  }
  const stageMed = median(rows.map((r) => r.stageMs));
  const mergeMed = median(rows.map((r) => r.mergeMs));
  const totalMed = median(rows.map((r) => r.totalMs));
  const cpMed = median(rows.map((r) => r.cpMs));
  const ratio = median(rows.map((r) => r.ratio));
  console.log(
    `  median: stage ${stageMed.toFixed(1)} ms, merge ${mergeMed.toFixed(1)} ms, total ${totalMed.toFixed(1)} ms; cp -a ${cpMed.toFixed(1)} ms`,
  );
  console.log(`  median ratio stage ÷ cp -a: ${ratio.toFixed(2)}`);

  // where the merge goes: settleRun's steps one by one (records and history not done here)
  const parts = { loadState: [], decideMerge: [], mergeFiles: [], mergedState: [], saveState: [], removeStage: [] };
  for (let i = 0; i < BREAKDOWN_RUNS; i++) {
    const run = marker(shared);
    run.stageDir = await stagingDir(shared, run.id);
    const stage = await stageSharedDir(shared, run.stageDir);
    simulateApply(stage.dir, recordsOf(run.stateBefore), 1000 + i);
    let t = process.hrtime.bigint();
    const step = (name) => {
      parts[name].push(ms(t));
      t = process.hrtime.bigint();
    };
    const live = await loadState(shared);
    step('loadState');
    const decision = await decideMerge(stage, run.stateBefore, {
      module: MODULE,
      allowedSections: [],
      beforeParsed: { ok: true, doc: live.doc, data: live.data },
    });
    step('decideMerge');
    if (decision.problems.length > 0) throw new Error(`decideMerge: ${decision.problems.join('; ')}`);
    await mergeFiles(shared, stage, decision.files);
    step('mergeFiles');
    const state = mergedState(live, decision);
    step('mergedState');
    await saveState(state);
    step('saveState');
    await removeRun(shared, run);
    step('removeStage');
  }
  const partMeds = Object.entries(parts).map(([name, values]) => [name, median(values)]);
  const stepsSum = partMeds.reduce((sum, [, value]) => sum + value, 0);
  console.log(`\n  where the merge goes (${BREAKDOWN_RUNS} runs, medians):`);
  for (const [name, value] of partMeds) console.log(`  ${value.toFixed(1).padStart(6)} ms  ${name}`);
  console.log(
    `  ≈${Math.max(0, mergeMed - stepsSum)
      .toFixed(0)
      .padStart(
        5,
      )} ms  the rest of settleRun (merge median minus these): loading state.yml, e's records, the history entry with its diff`,
  );
  const stateYml = readFileSync(join(shared, 'state.yml'), 'utf8');
  const parses = [];
  for (let i = 0; i < BREAKDOWN_RUNS; i++) {
    const t0 = process.hrtime.bigint();
    if (!parseStateText(stateYml).ok) throw new Error('state.yml does not parse');
    parses.push(ms(t0));
  }
  console.log(
    `  one parseStateText of this state.yml (${(stateYml.length / 1e3).toFixed(0)} KB) takes ${median(parses).toFixed(1)} ms; ` +
      'the merge parses or renders the whole file several times',
  );

  const verdict = totalMed < TARGET_MS ? 'met' : 'MISSED';
  console.log(
    `\ntarget: staging plus merge under ${TARGET_MS} ms: ${verdict} (${totalMed.toFixed(1)} ms; stage ${stageMed.toFixed(
      1,
    )} + merge ${mergeMed.toFixed(1)}; cp -a alone ${cpMed.toFixed(1)} ms; load average ${loadAverage()})`,
  );
  process.exitCode = totalMed < TARGET_MS ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
