import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fastReadYaml } from './fast-yaml.js';
import { parseRepository } from './parse-repository.js';
import { formatProblem } from './problem.js';

const COMMANDS = `        commands:
          - {name: metadata, command: metadata}
          - {name: init, description: "writes the config", command: init, envs: {LOG: WARN, RETRIES: 3}, args: []}
          - {name: plan, command: plan}
          - {name: apply, command: apply, args: [--auto-approve, 5]}
          - {name: audit, command: audit}
          - {name: backup, command: backup}
`;

const kafka = `version: v1
kind: Repository
components:
  - name: kafka
    type: docker
    versions:
      - version: 0.1.0
        image: localhost:5000/modules/kafka:0.1.0
        labels: {version: 0.1.0, name: Bare Metal Kafka, short: BMK, kind: stream-processor}
${COMMANDS}      - version: "0.2.0"
        latest: true
        images: {amd64: localhost:5000/modules/kafka:0.2.0-amd64, arm64: "localhost:5000/modules/kafka@sha256:${'a'.repeat(64)}"}
        architectures: [amd64, arm64]
        workdir: /shared
        mounts: [/shared]
        labels: {version: 1.10, size: 5, ratio: 2.50, enabled: true, provides-kafka: 2.5.1}
        requires:
          strong:
            - - {key: kind, operator: eq, values: [infrastructure]}
              - {key: provider, operator: In, values: [azure, aws]}
          weak:
            - - {key: kind, operator: eq, values: [logs-storage]}
            - - {key: kind, operator: eq, values: [monitoring]}
              - {key: core-technology, operator: DoesNotExist}
        influences:
          - - {key: kind, operator: eq, values: [monitoring]}
            - {key: replicas, operator: Gt, values: [1.10]}
            - {key: x, operator: logic, values: [{"==": [{"var": "kind"}, 1.10]}]}
        requirements:
          images: [docker.io/library/kafka:2.5.1, {image: localhost:5000/e/arm-helper:1.0, architectures: [arm64]}]
          files:
            - {name: kafka.tgz, url: https://example.org/kafka.tgz, sha256: ${'ab'.repeat(32)}, size: 1024}
          packages:
            - {name: openjdk-17-jre, version: "17.0.8+7-1", os: debian-12, architectures: [amd64, arm64]}
${COMMANDS}        network: false
        capabilities: [NET_ADMIN, CAP_NET_RAW]
        resources:
          memory: 512Mi
          pids: 256
`;

describe('parseRepository', () => {
  const { value, problems } = parseRepository(kafka, 'repository.yml');

  it('accepts a complete repository', () => {
    expect(problems).toEqual([]);
    expect(value?.source).toBe('repository.yml');
    expect(value?.components.map((c) => c.name)).toEqual(['kafka']);
  });

  it('keeps versions as written: 0.1.0 and "0.1.0" alike, 1.10 stays 1.10', () => {
    const [v1, v2] = value!.components[0]!.versions;
    expect(v1?.version).toBe('0.1.0');
    expect(v2?.version).toBe('0.2.0');
    expect(v1?.labels.version).toBe('0.1.0');
    expect(v2?.labels).toEqual({ version: '1.10', size: 5, ratio: '2.50', enabled: true, 'provides-kafka': '2.5.1' });
  });

  it('reads values, args and envs as strings, and json-logic rules as JSON', () => {
    const v2 = value!.components[0]!.versions[1]!;
    expect(v2.influences[0]?.[1]?.values).toEqual(['1.10']);
    expect(v2.influences[0]?.[2]?.values).toEqual([{ '==': [{ var: 'kind' }, 1.1] }]);
    expect(v2.commands[1]?.envs).toEqual({ LOG: 'WARN', RETRIES: '3' });
    expect(v2.commands[3]?.args).toEqual(['--auto-approve', '5']);
  });

  it('normalises Kubernetes operator spellings and fills defaults', () => {
    const [v1, v2] = value!.components[0]!.versions;
    expect(v2?.requires.strong[0]?.[1]).toEqual({ key: 'provider', operator: 'in', values: ['azure', 'aws'] });
    expect(v2?.requires.weak[1]?.[1]).toEqual({ key: 'core-technology', operator: 'doesnotexist', values: [] });
    expect(v2?.influences[0]?.[1]?.operator).toBe('gt');
    expect(v1).toMatchObject({
      latest: false,
      mounts: [],
      requires: { strong: [], weak: [] },
      influences: [],
      requirements: { images: [], files: [], packages: [] },
    });
    expect(v1?.commands[0]).toEqual({ name: 'metadata', command: 'metadata', envs: {}, args: [] });
    expect(v2?.images?.arm64).toContain('@sha256:');
    expect(v2?.requirements).toEqual({
      images: [
        { image: 'docker.io/library/kafka:2.5.1' },
        { image: 'localhost:5000/e/arm-helper:1.0', architectures: ['arm64'] },
      ],
      files: [{ name: 'kafka.tgz', url: 'https://example.org/kafka.tgz', sha256: 'ab'.repeat(32), size: 1024 }],
      packages: [{ name: 'openjdk-17-jre', version: '17.0.8+7-1', os: 'debian-12', architectures: ['amd64', 'arm64'] }],
    });
  });

  it('reads network, capabilities (without "CAP_") and limits (memory in bytes); leaves them out when not written', () => {
    const [v1, v2] = value!.components[0]!.versions;
    expect(v2).toMatchObject({
      network: false,
      capabilities: ['NET_ADMIN', 'NET_RAW'],
      resources: { memoryBytes: 512 * 1024 * 1024, pids: 256 },
    });
    expect(v1).not.toHaveProperty('network');
    expect(v1).not.toHaveProperty('capabilities');
    expect(v1).not.toHaveProperty('resources');
  });

  it.each([
    ['268435456', 268435456],
    ['"268435456"', 268435456],
    ['1G', 1e9],
    ['64Mi', 64 * 2 ** 20],
    ['6144Ki', 6 * 2 ** 20],
  ])('reads memory: %s as %d bytes', (memory, bytes) => {
    const result = parseRepository(kafka.replace('memory: 512Mi', `memory: ${memory}`), 'r.yml');
    expect(result.problems).toEqual([]);
    expect(result.value?.components[0]?.versions[1]?.resources?.memoryBytes).toBe(bytes);
  });

  it('reports every problem of a file together, in file order', () => {
    const bad = kafka
      .replace('name: kafka', 'name: Kafka')
      .replace('version: "0.2.0"', 'version: 0.2')
      .replace('operator: In', 'operator: inn')
      .replace('docker.io/library/kafka:2.5.1', 'docker.io/library/Kafka:2.5.1')
      .replace('{name: audit, command: audit}', '{name: audit, commnd: audit}');
    const result = parseRepository(bad, 'r.yml');
    expect(result.value).toBeUndefined();
    expect(result.problems.map(formatProblem)).toEqual([
      'r.yml:4:11 components[0].name: component name "Kafka" must be lower-case\n  hint: write "kafka"',
      expect.stringMatching(
        /^r\.yml:15:27 components\[0\]\.versions\[0\]\.commands\[4\]\.commnd: unknown field "commnd" — did you mean "command"\?/,
      ),
      expect.stringMatching(/^r\.yml:17:18 components\[0\]\.versions\[1\]\.version: version "0.2" is not semver/),
      expect.stringMatching(
        /^r\.yml:27:43 .*\.strong\[0\]\[1\]\.operator: unknown operator "inn" — did you mean "in"\?/,
      ),
      expect.stringMatching(
        /^r\.yml:37:20 .*requirements\.images\[0\]: invalid image reference .*: repository names must be lower-case/,
      ),
    ]);
  });

  it.each([
    [
      'an empty requirement',
      'influences:\n          - []\n        ',
      'W 10:13 an empty requirement matches every module',
    ],
    ['a reserved variable', '', 'W 10:48 environment variable E_STATE is set by e for every command'],
    [
      'a capability listed twice',
      'capabilities: [SYS_TIME, CAP_SYS_TIME]\n        ',
      'W 9:34 capability "SYS_TIME" is listed twice',
    ],
    [
      'a requirement image listed twice',
      'requirements: {images: [localhost:5000/vendor/x:1, localhost:5000/vendor/x:1]}\n        ',
      'W 9:60 image "localhost:5000/vendor/x:1" is listed twice',
    ],
    [
      'a package listed twice',
      'requirements:\n          packages: [{name: socat, version: 1.7.4.4-2, os: debian-12}, {name: socat, version: 1.7.4.4-2, os: debian-12}]\n        ',
      'W 10:72 package "socat" 1.7.4.4-2 for debian-12 is listed twice',
    ],
  ])('warns about %s without failing', (_, insert, expected) => {
    const text = `version: v1
kind: Repository
components:
  - name: kafka
    type: docker
    versions:
      - version: 0.1.0
        image: localhost:5000/modules/kafka:0.1.0
        ${insert}commands:
          - {name: init, command: init, envs: {${insert === '' ? 'E_STATE: /x' : 'A: b'}}}
          - {name: metadata, command: metadata}
          - {name: plan, command: plan}
          - {name: apply, command: apply}
          - {name: audit, command: audit}
`;
    const result = parseRepository(text, 'r.yml');
    expect(result.value).toBeDefined();
    expect(
      result.problems.map((p) => `${p.severity === 'warning' ? 'W' : 'E'} ${p.line}:${p.col} ${p.message}`),
    ).toEqual([expected]);
  });

  it('validates the example repository.yml at the root', () => {
    const path = fileURLToPath(new URL('../../../../repository.yml', import.meta.url));
    const result = parseRepository(readFileSync(path, 'utf8'), 'repository.yml');
    expect(result.problems.filter((p) => p.severity === 'error').map(formatProblem)).toEqual([]);
    expect(result.value?.components.length).toBeGreaterThan(0);
  });

  // a tab in a comment: the fast reader leaves the file to the yaml library
  const slowly = (text: string) => parseRepository(`${text}# \t\n`, 'r.yml');

  it.each([
    ['the example repository.yml', readFileSync(new URL('../../../../repository.yml', import.meta.url), 'utf8')],
    [
      'expressions in another order',
      kafka
        .replace(/.*operator: logic.*\n/, '')
        .replace(
          '{key: kind, operator: eq, values: [logs-storage]}',
          '{operator: eq, values: [logs-storage], key: kind}',
        )
        .replace('{key: kind, operator: eq, values: [monitoring]}', '{key: kind, values: [monitoring], operator: In}'),
    ],
  ])('builds the same model, in the same order, from both readers: %s', (_, text) => {
    expect(fastReadYaml(text)).toBeDefined();
    expect(fastReadYaml(`${text}# \t\n`)).toBeUndefined();
    const fast = parseRepository(text, 'r.yml');
    const slow = slowly(text);
    expect(fast.value).toBeDefined();
    expect(JSON.stringify(fast.value)).toBe(JSON.stringify(slow.value));
    expect(fast.problems).toEqual(slow.problems);
  });
});
