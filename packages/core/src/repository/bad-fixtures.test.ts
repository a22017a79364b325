import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseRepository } from './parse-repository.js';

const dir = fileURLToPath(new URL('./fixtures/bad/', import.meta.url));

/** Every bad file, with every problem it must produce: `line:col path: message`, in file order. */
const corpus: [file: string, problems: string[]][] = [
  ['01-tab-indentation.yml.txt', ['6:1: a tab is used for indentation']],
  ['02-duplicate-yaml-key.yml.txt', ['10:9: duplicate key "image"']],
  ['03-unclosed-double-quote.yml.txt', ['7:18: unclosed double quote']],
  ['04-unclosed-single-quote.yml.txt', ['10:18: unclosed single quote']],
  ['05-two-documents.yml.txt', ['11:1: the file contains more than one YAML document']],
  ['06-empty-file.yml.txt', ['1:1: the repository file is empty']],
  ['07-format-version-v2.yml.txt', ['1:10 version: unsupported repository format version "v2"']],
  ['08-wrong-kind.yml.txt', ['2:7 kind: kind must be "Repository", got "Repo"']],
  ['09-missing-components.yml.txt', ['1:1: missing required field "components"']],
  ['10-unknown-top-level-key.yml.txt', ['3:1 componets: unknown field "componets" — did you mean "components"?']],
  [
    '11-unknown-version-field.yml.txt',
    ['9:9 components[0].versions[0].imagee: unknown field "imagee" — did you mean "image"?'],
  ],
  [
    '12-duplicate-component.yml.txt',
    ['11:11 components[1].name: duplicate component "kafka" (first defined at line 4)'],
  ],
  [
    '13-duplicate-version.yml.txt',
    ['11:18 components[0].versions[1].version: duplicate version "0.1.0" of "kafka" (also at line 7)'],
  ],
  [
    '14-two-latest.yml.txt',
    ['12:17 components[0].versions[1].latest: more than one latest version of "kafka": 0.1.0 (line 8) is latest too'],
  ],
  [
    '15-version-1-10-unquoted.yml.txt',
    ['7:18 components[0].versions[0].version: version "1.10" is not semver (MAJOR.MINOR.PATCH)'],
  ],
  ['16-version-v-prefix.yml.txt', ['7:18 components[0].versions[0].version: version "v1.0.0" must not start with "v"']],
  ['17-reserved-name-e.yml.txt', ['4:11 components[0].name: component name "e" is reserved']],
  [
    '18-name-path-separator.yml.txt',
    ['4:11 components[0].name: component name "kafka/broker" contains a path separator'],
  ],
  ['19-name-dot-dot.yml.txt', ['4:11 components[0].name: component name ".." is not allowed (it is a relative path)']],
  ['20-name-upper-case.yml.txt', ['4:11 components[0].name: component name "Kafka" must be lower-case']],
  [
    '21-image-upper-case.yml.txt',
    [
      '9:16 components[0].versions[0].image: invalid image reference "localhost:5000/Modules/kafka:0.1.0": repository names must be lower-case',
    ],
  ],
  [
    '22-image-bad-digest.yml.txt',
    [
      '9:16 components[0].versions[0].image: invalid image reference "localhost:5000/modules/kafka@sha256:1234": bad digest "sha256:1234"',
    ],
  ],
  [
    '23-unknown-architecture.yml.txt',
    ['10:32 components[0].versions[0].architectures[1]: unknown architecture "x86_64" — did you mean "amd64"?'],
  ],
  [
    '24-images-unknown-architecture.yml.txt',
    ['11:11 components[0].versions[0].images.aarch64: unknown architecture "aarch64" — did you mean "arm64"?'],
  ],
  ['25-image-and-images.yml.txt', ['10:9 components[0].versions[0].images: give either "image" or "images", not both']],
  ['26-missing-image.yml.txt', ['7:9 components[0].versions[0]: missing image']],
  ['27-missing-audit-command.yml.txt', ['11:11 components[0].versions[0].commands: missing required command "audit"']],
  [
    '28-exists-with-values.yml.txt',
    ['12:55 components[0].versions[0].requires.strong[0][0].values: operator exists takes no values, got 1'],
  ],
  [
    '29-gt-two-values.yml.txt',
    ['12:51 components[0].versions[0].requires.strong[0][0].values: operator gt takes exactly 1 value, got 2'],
  ],
  [
    '30-in-without-values.yml.txt',
    ['12:51 components[0].versions[0].requires.strong[0][0].values: operator in takes at least 1 value, got 0'],
  ],
  [
    '31-lt-not-comparable.yml.txt',
    [
      '12:49 components[0].versions[0].requires.strong[0][0].values[0]: operator lt needs a number or a version, got "a"',
    ],
  ],
  [
    '32-design-document-stray-commas.yml.txt',
    [
      '15:22 components[0].versions[0].requires.strong[0][1].key: invalid label key "provider," — did you mean "provider"?',
      '16:27 components[0].versions[0].requires.strong[0][1].operator: unknown operator "in," — did you mean "in"?',
    ],
  ],
  [
    '33-requirement-not-a-list.yml.txt',
    ['11:13 components[0].versions[0].influences[0]: expected a requirement (a list of expressions), got a map'],
  ],
  [
    '34-bad-semver-range.yml.txt',
    ['12:66 components[0].versions[0].requires.strong[0][0].values[0]: ">=2.5.0 <<3" is not a valid semver range'],
  ],
  [
    '35-logic-prototype-walk.yml.txt',
    [
      '12:55 components[0].versions[0].requires.strong[0][0].values[0]: "var" path "kind.constructor.name" reaches "constructor", which is not a label',
    ],
  ],
  [
    '36-logic-unknown-operation.yml.txt',
    ['12:55 components[0].versions[0].requires.strong[0][0].values[0]: unknown json-logic operation "method"'],
  ],
  ['37-component-type-helm.yml.txt', ['5:11 components[0].type: unsupported component type "helm"']],
  [
    '38-relative-workdir.yml.txt',
    ['10:18 components[0].versions[0].workdir: "shared" must be an absolute path inside the container'],
  ],
  [
    '39-label-value-list.yml.txt',
    [
      '10:52 components[0].versions[0].labels.provides: label "provides" must be a string, number or boolean, got a list',
    ],
  ],
  [
    '40-eq-two-values.yml.txt',
    ['12:51 components[0].versions[0].requires.strong[0][0].values: operator eq takes exactly 1 value, got 2'],
  ],
  [
    '41-command-without-command.yml.txt',
    ['12:13 components[0].versions[0].commands[1]: missing required field "command"'],
  ],
  [
    '42-bad-env-name.yml.txt',
    ['12:48 components[0].versions[0].commands[1].envs.LOG-LEVEL: invalid environment variable name "LOG-LEVEL"'],
  ],
  ['43-no-versions.yml.txt', ['6:15 components[0].versions: a component needs at least one version']],
  [
    '44-latest-not-boolean.yml.txt',
    ['9:17 components[0].versions[0].latest: "latest" must be true or false, got "yes"'],
  ],
  [
    '45-unknown-capability.yml.txt',
    ['10:35 components[0].versions[0].capabilities[1]: unknown capability "SYS_TIMEE" — did you mean "SYS_TIME"?'],
  ],
  [
    '46-bad-memory-size.yml.txt',
    ['10:29 components[0].versions[0].resources.memory: invalid memory size "512m" — did you mean "512Mi"?'],
  ],
  [
    '47-pids-not-positive.yml.txt',
    ['11:17 components[0].versions[0].resources.pids: "pids" must be a positive integer, got the number 0'],
  ],
  [
    '48-network-not-boolean.yml.txt',
    ['10:18 components[0].versions[0].network: "network" must be true or false, got "off"'],
  ],
  [
    '49-memory-below-minimum.yml.txt',
    ['10:29 components[0].versions[0].resources.memory: memory "4Mi" is below the minimum, 6Mi (6291456 bytes)'],
  ],
  [
    '50-requirement-sha256-prefixed.yml.txt',
    [
      `11:77 components[0].versions[0].requirements.files[0].sha256: sha256 "sha256:${'ab'.repeat(32)}" is not 64 lower-case hex digits`,
    ],
  ],
  [
    '51-requirement-file-name-path.yml.txt',
    [
      '11:21 components[0].versions[0].requirements.files[0].name: file name "../kafka.tgz" is not a plain file name',
      '12:20 components[0].versions[0].requirements.files[0].url: "ftp://example.org/kafka.tgz" is not an http or https URL',
    ],
  ],
  [
    '52-requirement-file-twice.yml.txt',
    [
      '12:22 components[0].versions[0].requirements.files[1].name: file name "kafka.tgz" is used twice (also at line 11)',
    ],
  ],
  [
    '53-requirement-package-fields.yml.txt',
    [
      '10:28 components[0].versions[0].requirements.images[0].image: invalid image reference "registry.k8s.io/Pause:3.9": repository names must be lower-case',
      '10:71 components[0].versions[0].requirements.images[0].architectures[0]: unknown architecture "aarch64" — did you mean "arm64"?',
      '12:56 components[0].versions[0].requirements.packages[0].os: "debian" does not name an operating system release',
      '13:15 components[0].versions[0].requirements.packages[1]: missing required field "version"',
    ],
  ],
];

function read(file: string) {
  return parseRepository(readFileSync(`${dir}${file}`, 'utf8'), file);
}

describe('bad repository files', () => {
  it('has a case for every fixture and at least 30 of them', () => {
    expect(corpus.map(([file]) => file)).toEqual(readdirSync(dir).sort());
    expect(corpus.length).toBeGreaterThanOrEqual(30);
  });

  it.each(corpus)('%s', (file, expected) => {
    const result = read(file);
    expect(result.value).toBeUndefined();
    expect(result.problems.map((p) => `${p.line}:${p.col}${p.path ? ` ${p.path}` : ''}: ${p.message}`)).toEqual(
      expected,
    );
    for (const problem of result.problems) expect(problem.file).toBe(file);
  });

  it.each([
    ['32-design-document-stray-commas.yml.txt', 'remove the stray ","'],
    ['15-version-1-10-unquoted.yml.txt', 'write "1.10.0"'],
    ['16-version-v-prefix.yml.txt', 'write "1.0.0"'],
    ['20-name-upper-case.yml.txt', 'write "kafka"'],
    ['40-eq-two-values.yml.txt', 'use "in" to match any of several values'],
    ['01-tab-indentation.yml.txt', 'YAML indentation must be spaces; replace the tabs'],
    [
      '46-bad-memory-size.yml.txt',
      'write a number of bytes (268435456) or a whole number with k, M, G (powers of 1000) or Ki, Mi, Gi (powers of 1024), e.g. 512Mi',
    ],
    ['49-memory-below-minimum.yml.txt', 'Docker refuses to start a container with less memory'],
    ['50-requirement-sha256-prefixed.yml.txt', `write "${'ab'.repeat(32)}"`],
    ['53-requirement-package-fields.yml.txt', 'write registry.k8s.io/pause:3.9'],
  ])('%s hints: %s', (file, hint) => {
    expect(read(file).problems[0]?.hint).toBe(hint);
  });
});
