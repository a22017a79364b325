/**
 * Every label e puts on the containers it starts. Cleanup finds leftovers by these labels, so a
 * container e started can always be found again, even after e itself was killed.
 */
const PREFIX = 'org.e.run';

export const LABELS = {
  /** Always `e`: marks a container as one e started. */
  managedBy: `${PREFIX}.managed-by`,
  module: `${PREFIX}.module`,
  version: `${PREFIX}.version`,
  command: `${PREFIX}.command`,
  /** Absolute path of the shared directory the container has mounted. */
  shared: `${PREFIX}.shared`,
  /** pid and host of the e process that started it: a dead owner means a leftover. */
  pid: `${PREFIX}.pid`,
  host: `${PREFIX}.host`,
  startedAt: `${PREFIX}.started-at`,
  /** A random id per run: tells one run's container from another's of the same e process. */
  runId: `${PREFIX}.id`,
} as const;

export const MANAGED_BY_VALUE = 'e';

export interface RunLabelInput {
  module: string;
  version: string;
  command: string;
  shared: string;
  pid: number;
  host: string;
  startedAt: Date;
  /** `randomUUID()`, one per run. */
  runId: string;
}

/** The labels of one module run's container. */
export function runLabels(input: RunLabelInput): Record<string, string> {
  return {
    [LABELS.managedBy]: MANAGED_BY_VALUE,
    [LABELS.module]: input.module,
    [LABELS.version]: input.version,
    [LABELS.command]: input.command,
    [LABELS.shared]: input.shared,
    [LABELS.pid]: String(input.pid),
    [LABELS.host]: input.host,
    [LABELS.startedAt]: input.startedAt.toISOString(),
    [LABELS.runId]: input.runId,
  };
}
