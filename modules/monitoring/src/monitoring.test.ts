import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, desiredSection, planChanges, scrapeTargets } from './monitoring.js';

const nodes = [
  { privateIP: '10.0.0.0', usedBy: 'kafka' },
  { privateIP: '10.0.0.1', usedBy: 'unused' },
  { privateIP: '10.0.0.2', usedBy: 'kubernetes' },
  { privateIP: '10.0.0.3', usedBy: 'kafka' },
];

describe('monitoring', () => {
  it('scrapes the nodes of applied modules only', () => {
    const state = {
      azi: { status: 'applied', nodes },
      kafka: { status: 'applied' },
      kubernetes: { status: 'initialized' },
    };
    expect(scrapeTargets(state)).toEqual({ kafka: ['10.0.0.0:9100', '10.0.0.3:9100'] });
  });

  it('plans new targets once an influencing module is applied, nothing afterwards', () => {
    const before = { azi: { status: 'applied', nodes }, kafka: { status: 'initialized' } };
    const section = desiredSection(DEFAULT_CONFIG, before);
    expect(section.targets).toEqual({});
    const after = { ...before, kafka: { status: 'applied' } };
    expect(planChanges(DEFAULT_CONFIG, after, section, 'monitoring')).toEqual([
      { action: 'add', path: 'monitoring.targets.kafka', to: ['10.0.0.0:9100', '10.0.0.3:9100'] },
    ]);
    expect(planChanges(DEFAULT_CONFIG, after, desiredSection(DEFAULT_CONFIG, after), 'monitoring')).toEqual([]);
  });
});
