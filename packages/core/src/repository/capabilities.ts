import { quote } from '../errors.js';
import { didYouMean } from './did-you-mean.js';

/** The Linux capabilities (capabilities(7)) by the names Docker's `--cap-add` takes, in the kernel's order. */
export const LINUX_CAPABILITIES = [
  'CHOWN',
  'DAC_OVERRIDE',
  'DAC_READ_SEARCH',
  'FOWNER',
  'FSETID',
  'KILL',
  'SETGID',
  'SETUID',
  'SETPCAP',
  'LINUX_IMMUTABLE',
  'NET_BIND_SERVICE',
  'NET_BROADCAST',
  'NET_ADMIN',
  'NET_RAW',
  'IPC_LOCK',
  'IPC_OWNER',
  'SYS_MODULE',
  'SYS_RAWIO',
  'SYS_CHROOT',
  'SYS_PTRACE',
  'SYS_PACCT',
  'SYS_ADMIN',
  'SYS_BOOT',
  'SYS_NICE',
  'SYS_RESOURCE',
  'SYS_TIME',
  'SYS_TTY_CONFIG',
  'MKNOD',
  'LEASE',
  'AUDIT_WRITE',
  'AUDIT_CONTROL',
  'SETFCAP',
  'MAC_OVERRIDE',
  'MAC_ADMIN',
  'SYSLOG',
  'WAKE_ALARM',
  'BLOCK_SUSPEND',
  'AUDIT_READ',
  'PERFMON',
  'BPF',
  'CHECKPOINT_RESTORE',
] as const;

const PREFIX = 'CAP_';

/** Every spelling a repository file may use: `NET_ADMIN` and `CAP_NET_ADMIN`. */
export const CAPABILITY_SPELLINGS: readonly string[] = [
  ...LINUX_CAPABILITIES,
  ...LINUX_CAPABILITIES.map((name) => `${PREFIX}${name}`),
];

/** `CAP_NET_ADMIN` → `NET_ADMIN`: the model and the engine get the name without the prefix. */
export function normalizeCapability(spelling: string): string {
  return spelling.startsWith(PREFIX) ? spelling.slice(PREFIX.length) : spelling;
}

const HINT = 'Linux capability names (capabilities(7)) in upper case, with or without "CAP_": NET_ADMIN, SYS_TIME, ...';

/** Why `value` is not a capability a repository file may grant (it is not in CAPABILITY_SPELLINGS). */
export function capabilityProblem(value: unknown, got: () => string): { message: string; hint?: string } {
  if (typeof value !== 'string') {
    return { message: `a capability must be a name such as NET_ADMIN, got ${got()}`, hint: HINT };
  }
  const quoted = quote(value);
  const upper = value.toUpperCase();
  if (upper === 'ALL' || upper === 'CAP_ALL') {
    return {
      message: `capability ${quoted} is not allowed: containers get back only the capabilities listed`,
      hint: 'list the capabilities the module needs, e.g. [NET_ADMIN]',
    };
  }
  if (upper !== value && CAPABILITY_SPELLINGS.includes(upper)) {
    return { message: `capability ${quoted} must be upper-case`, hint: `write ${JSON.stringify(upper)}` };
  }
  const prefixed = upper.startsWith(PREFIX);
  const guess = didYouMean(prefixed ? value.slice(PREFIX.length) : value, LINUX_CAPABILITIES);
  const suggestion = guess === undefined ? '' : ` — did you mean "${prefixed ? PREFIX : ''}${guess}"?`;
  return { message: `unknown capability ${quoted}${suggestion}`, hint: HINT };
}
