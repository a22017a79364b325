import { claimNodes, pickUnusedNodes } from '@e/module-sdk';
import { describe, expect, it } from 'vitest';
import { desired, findDrift, initialConfig, kafkaVersionOf, metadata, planChanges, renderRemote } from './kafka.js';

const node = (n: number | string, usedBy = 'unused') => ({
  privateIP: `10.0.0.${n}`,
  publicIP: `213.1.1.${n}`,
  usedBy,
});
const azi = (nodes: ReturnType<typeof node>[]) => ({ status: 'applied', size: nodes.length, nodes });
const edited = { azi: azi([node(0), node(100), node(2), node(3), node(4)]) };

describe('kafka', () => {
  it('init picks the first three unused nodes as the state now has them', () => {
    const config = initialConfig({ module: 'kafka', version: '0.1.0', state: edited, section: undefined });
    expect(config).toEqual({
      size: 3,
      clusterNodes: [
        { privateIP: '10.0.0.0', publicIP: '213.1.1.0' },
        { privateIP: '10.0.0.100', publicIP: '213.1.1.100' },
        { privateIP: '10.0.0.2', publicIP: '213.1.1.2' },
      ],
    });
  });

  it('skips used nodes and infrastructures that are not applied', () => {
    const state = {
      azi: { ...azi([node(0)]), status: 'initialized' },
      awsi: azi([node(1, 'logging'), node(2), node(3), node(4)]),
    };
    expect(pickUnusedNodes(state, 3, 'kafka').map((a) => a.privateIP)).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.4']);
  });

  it.each([
    { name: 'no infrastructure', state: {}, message: 'no applied infrastructure module' },
    {
      name: 'too few nodes',
      state: { azi: azi([node(0), node(1, 'x')]) },
      message: 'kafka needs 3 unused nodes on one infrastructure; azi has 1',
    },
  ])('init fails clearly with $name', ({ state, message }) => {
    expect(() => initialConfig({ module: 'kafka', version: '0.1.0', state, section: undefined })).toThrow(message);
  });

  it('apply claims the configured nodes and frees the ones it no longer uses', () => {
    const state = { azi: azi([node(0, 'kafka'), node(1), node(2)]) };
    const changed = claimNodes(state, 'kafka', [{ privateIP: '10.0.0.1' }]);
    expect(changed).toEqual({ azi: azi([node(0), node(1, 'kafka'), node(2)]) });
  });

  it('refuses a node used by another module', () => {
    expect(() => claimNodes({ azi: azi([node(0, 'logging')]) }, 'kafka', [{ privateIP: '10.0.0.0' }])).toThrow(
      'node 10.0.0.0 of azi is already used by logging',
    );
  });

  it('plans nothing once applied (idempotent)', () => {
    const inputs = { module: 'kafka', version: '0.2.0', state: edited, section: undefined };
    const config = initialConfig(inputs);
    const { section, sections } = desired(inputs, config);
    const after = { ...edited, ...sections, kafka: section };
    expect(planChanges({ ...inputs, state: after, section }, config)).toEqual([]);
    expect(findDrift({ ...inputs, state: after, section, remote: renderRemote(section) })).toEqual([]);
  });

  it('0.1.0 rejects a config written for 0.2.0', () => {
    const inputs = { module: 'kafka', version: '0.1.0', state: edited, section: undefined };
    const config = { ...initialConfig(inputs), kafkaVersion: '2.6.0' };
    expect(() => desired(inputs, config)).toThrow('kafkaVersion is not supported by kafka module 0.1.0');
  });

  it.each([
    { version: '0.1.0', kafka: '2.5.1' },
    { version: '0.2.0', kafka: '2.6.0' },
  ])('module $version provides Kafka $kafka', ({ version, kafka }) => {
    expect(kafkaVersionOf(version)).toBe(kafka);
    expect(metadata(version).labels).toMatchObject({ version, 'provides-kafka': kafka, short: 'BMK' });
  });
});
