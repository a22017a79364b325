import { describe, expect, it } from 'vitest';
import { CAPABILITY_SPELLINGS, capabilityProblem, LINUX_CAPABILITIES, normalizeCapability } from './capabilities.js';

describe('capabilities', () => {
  it('takes every name with or without CAP_, and gives the name without it', () => {
    expect(LINUX_CAPABILITIES).toHaveLength(41);
    expect(CAPABILITY_SPELLINGS).toContain('NET_ADMIN');
    expect(CAPABILITY_SPELLINGS).toContain('CAP_NET_ADMIN');
    expect(normalizeCapability('CAP_NET_ADMIN')).toBe('NET_ADMIN');
    expect(normalizeCapability('NET_ADMIN')).toBe('NET_ADMIN');
  });

  it.each([
    ['NET_ADMN', 'unknown capability "NET_ADMN" — did you mean "NET_ADMIN"?'],
    ['CAP_SYS_TIM', 'unknown capability "CAP_SYS_TIM" — did you mean "CAP_SYS_TIME"?'],
    ['net_admin', 'capability "net_admin" must be upper-case'],
    ['cap_net_raw', 'capability "cap_net_raw" must be upper-case'],
    ['ALL', 'capability "ALL" is not allowed: containers get back only the capabilities listed'],
    ['PRIVILEGED', 'unknown capability "PRIVILEGED"'],
    [5, 'a capability must be a name such as NET_ADMIN, got 5'],
  ])('%j: %s', (value, message) => {
    expect(capabilityProblem(value, () => JSON.stringify(value)).message).toBe(message);
  });
});
