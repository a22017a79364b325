import { describe, expect, it } from 'vitest';
import { desiredSection, initialConfig, planChanges, renderRemote } from './azi.js';

describe('azi', () => {
  it('creates size nodes 10.0.0.N / 213.1.1.N, all unused', () => {
    const section = desiredSection({ size: 5, 'provide-pubips': true }, undefined);
    expect(section.nodes).toEqual(
      [0, 1, 2, 3, 4].map((n) => ({ privateIP: `10.0.0.${n}`, publicIP: `213.1.1.${n}`, usedBy: 'unused' })),
    );
    expect(Object.keys(renderRemote(section))).toHaveLength(5);
  });

  it('keeps hand-edited and used nodes, and plans nothing for them', () => {
    const config = { size: 2, 'provide-pubips': true };
    const current = {
      status: 'applied' as const,
      size: 2,
      'provide-pubips': true,
      nodes: [
        { privateIP: '10.0.0.0', publicIP: '213.1.1.0', usedBy: 'kafka' },
        { privateIP: '10.0.0.100', publicIP: '213.1.1.100', usedBy: 'unused' },
      ],
    };
    expect(planChanges(config, current, 'azi')).toEqual([]);
  });

  it('grows with the first free address and drops public IPs when asked', () => {
    const current = desiredSection({ size: 1, 'provide-pubips': true }, undefined);
    const grown = desiredSection(
      { size: 2, 'provide-pubips': false },
      { ...current, nodes: [{ privateIP: '10.0.0.1', usedBy: 'unused' }] },
    );
    expect(grown.nodes).toEqual([
      { privateIP: '10.0.0.1', usedBy: 'unused' },
      { privateIP: '10.0.0.2', usedBy: 'unused' },
    ]);
  });

  it('re-init keeps the applied size', () => {
    expect(initialConfig(undefined)).toEqual({ size: 5, 'provide-pubips': true });
    expect(initialConfig({ status: 'applied', size: 7, 'provide-pubips': false })).toEqual({
      size: 7,
      'provide-pubips': false,
    });
  });
});
