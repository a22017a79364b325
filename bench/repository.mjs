#!/usr/bin/env node
// Benchmark of the repository file: generates a 10,000-component repository (3 versions each, a
// few selectors each) in a temporary directory, then times `e repo validate` and `e repo search`
// against `node -e 0`. Usage: node bench/repository.mjs [components] [runs]  (build first: npx tsc -b)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const components = Number(process.argv[2] ?? 10_000);
const runs = Number(process.argv[3] ?? 5);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'packages/cli/bin/e.js');

const KINDS = ['infrastructure', 'stream-processor', 'monitoring', 'logging', 'database', 'persistence'];
const PROVIDERS = ['azure', 'aws', 'on-prem'];

function generate(count) {
  const lines = ['version: v1', 'kind: Repository', 'components:'];
  for (let i = 0; i < count; i++) {
    const name = `module-${i}`;
    const kind = KINDS[i % KINDS.length];
    const provider = PROVIDERS[Math.floor(i / KINDS.length) % PROVIDERS.length];
    lines.push(`  - name: ${name}`, '    type: docker', '    versions:');
    for (let v = 0; v < 3; v++) {
      const version = `${Math.floor(i / 1000)}.${v}.${i % 7}`;
      lines.push(
        `      - version: ${version}`,
        ...(v === 2 ? ['        latest: true'] : []),
        `        image: localhost:5000/modules/${name}:${version}`,
        '        architectures: [amd64, arm64]',
        '        workdir: /shared',
        '        mounts: [/shared]',
        `        labels: {version: ${version}, kind: ${kind}, provider: ${provider}, short: M${i}, size: ${i % 9}}`,
        '        requires:',
        '          strong:',
        '            - - {key: kind, operator: eq, values: [infrastructure]}',
        '              - {key: provider, operator: In, values: [azure, aws]}',
        '          weak:',
        '            - - {key: kind, operator: eq, values: [monitoring]}',
        `              - {key: version, operator: ge, values: ["${v}.1.0"]}`,
        '        influences:',
        '          - - {key: kind, operator: in, values: [monitoring, logging]}',
        '        requirements:',
        `          images: [docker.io/library/busybox:1.${i % 40}]`,
        '        commands:',
        '          - {name: metadata, command: metadata}',
        '          - {name: init, description: "writes the config", command: init, envs: {LOG: WARN}}',
        '          - {name: plan, command: plan}',
        '          - {name: apply, command: apply, args: [--auto-approve]}',
        '          - {name: audit, command: audit}',
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

function time(args, expectCode = 0) {
  const samples = [];
  let last;
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    last = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (last.status !== expectCode) {
      throw new Error(`node ${args.join(' ')} exited ${last.status}:\n${last.stderr}${last.stdout.slice(0, 2000)}`);
    }
  }
  samples.sort((a, b) => a - b);
  return { median: samples[Math.floor(samples.length / 2)], min: samples[0], max: samples.at(-1), stdout: last.stdout };
}

/**
 * Where validate's time goes, in this process (one cold run each, the same order as
 * parseRepository): reading the file, the fast reader, the quick shape check, the rules, the model.
 */
async function phases(file) {
  const dist = join(root, 'packages/core/dist/repository');
  const load = (name) => import(pathToFileURL(join(dist, name)).href);
  const { fastReadYaml } = await load('fast-yaml.js');
  const { fitsRepositoryShape } = await load('shape-check.js');
  const { checkRules } = await load('rules.js');
  const { buildRepository } = await load('build-model.js');
  const times = [];
  const step = (label, run) => {
    const start = performance.now();
    const value = run();
    times.push(`${label} ${(performance.now() - start).toFixed(0)} ms`);
    return value;
  };
  const text = step('read', () => readFileSync(file, 'utf8'));
  const data = step('fast reader', () => fastReadYaml(text));
  step('shape check', () => fitsRepositoryShape(data));
  step('rules', () => checkRules(data, { lineOf: () => 0 }));
  step('model', () => buildRepository(data, file));
  console.log(`in-process phases of validate: ${times.join(', ')}`);
}

const dir = mkdtempSync(join(tmpdir(), 'e-bench-repository-'));
try {
  const file = join(dir, 'repository.yml');
  writeFileSync(file, generate(components));
  const { size } = statSync(file);
  console.log(
    `repository: ${components} components x 3 versions, ${(size / 1e6).toFixed(1)} MB; median of ${runs} runs`,
  );

  const baseline = time(['-e', '0']);
  const help = time([bin, '--help']);
  const validate = time([bin, 'repo', 'validate', file]);
  const search = time([bin, '-r', file, 'repo', 'search', 'kind in (infrastructure),provider=azure']);
  const searchJson = time([bin, '-r', file, '-o', 'json', 'repo', 'search', 'kind=monitoring,version>=2.1.0']);
  const hits = search.stdout.trim().split('\n').length - 1;

  const row = (label, t) =>
    `${label.padEnd(46)} ${t.median.toFixed(0).padStart(6)} ms  (min ${t.min.toFixed(0)}, max ${t.max.toFixed(0)})  x${(
      t.median / baseline.median
    ).toFixed(1)} node -e 0`;
  console.log(row('node -e 0', baseline));
  console.log(row('e --help', help));
  console.log(row('e repo validate', validate));
  console.log(`${row(`e repo search 'kind in (infrastructure),provider=azure'`, search)}  [${hits} hits]`);
  console.log(row(`e repo search -o json 'kind=monitoring,version>=2.1.0'`, searchJson));
  await phases(file);
  const verdict = validate.median < 1000 ? 'met' : 'MISSED';
  console.log(`target: e repo validate under 1000 ms: ${verdict} (${validate.median.toFixed(0)} ms)`);
  process.exitCode = validate.median < 1000 ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
