import type { Requirement } from '../repository/model.js';
import { formatRequirement } from '../selector/format-requirement.js';
import type { Candidate, Explanation, Reason, RuledOut } from './resolution.js';

/** Nested reasons deeper than this are summarised, so a chain of thousands stays readable. */
const MAX_DEPTH = 12;

export function formatCandidate(c: Candidate): string {
  return `${c.module} ${c.version}`;
}

export function formatCandidates(list: readonly Candidate[]): string {
  return list.map(formatCandidate).join(', ');
}

export function formatCycle(cycle: readonly Candidate[]): string {
  return cycle.map(formatCandidate).join(' → ');
}

function needs(owner: Candidate, requirement: Requirement): string {
  return `${formatCandidate(owner)} needs ${formatRequirement(requirement) || 'any module'}`;
}

/**
 * The explanation in plain words, one line per fact, nested by who needs what: the first line
 * says what cannot be installed, the following ones why.
 */
export function formatExplanation(explanation: Explanation): string[] {
  const lines = [`cannot install ${explanation.request}:`];
  for (const reason of explanation.reasons) lines.push(...formatReason(reason, '  ', 0));
  const seen = new Set<string>();
  for (const cycle of explanation.cycles) {
    const text = formatCycle(cycle);
    if (seen.has(text)) continue;
    seen.add(text);
    lines.push(`  cycle: ${text}`);
  }
  return lines;
}

function formatReason(reason: Reason, indent: string, depth: number): string[] {
  switch (reason.kind) {
    case 'unknown-module':
      return [
        `${indent}there is no module "${reason.module}" in the repository${reason.suggestion ? ` (did you mean "${reason.suggestion}"?)` : ''}`,
      ];
    case 'no-such-version':
      return [
        `${indent}${reason.module} has no version matching "${reason.version}" (available: ${reason.available.join(', ') || 'none'})`,
      ];
    case 'installed-other-version':
      return [
        `${indent}${reason.module} ${reason.installed} is installed; installing ${reason.requested} would replace it (use e module upgrade ${reason.module} ${reason.requested})`,
      ];
    case 'unmet': {
      const lines = [
        `${indent}${needs(reason, reason.requirement)}: nothing installed matches; ${
          reason.candidates.length > 0
            ? `candidates: ${formatCandidates(reason.candidates)}`
            : 'no module in the repository matches either'
        }`,
      ];
      for (const m of reason.notApplied)
        lines.push(`${indent}  (${formatCandidate(m)} is installed but ${m.status}, not applied)`);
      return lines;
    }
    case 'ambiguous':
      return [
        `${indent}${needs(reason, reason.requirement)}, and more than one module could meet it: ${formatCandidates(reason.candidates)}`,
        ...(reason.path.length > 1 ? [`${indent}  (needed along ${formatCycle(reason.path)})`] : []),
      ];
    case 'dead-end': {
      if (reason.ruledOut.length === 0) {
        return [`${indent}${needs(reason, reason.requirement)}: no module in the repository matches`];
      }
      const lines = [`${indent}${needs(reason, reason.requirement)}: every candidate is ruled out:`];
      for (const r of reason.ruledOut) lines.push(...formatRuledOut(r, `${indent}  `, depth));
      return lines;
    }
    case 'too-complex':
      return [
        `${indent}gave up after trying ${reason.visited} module versions; narrow the request with --prefer or a version`,
      ];
  }
}

function formatRuledOut(r: RuledOut, indent: string, depth: number): string[] {
  const head = `${indent}- ${formatCandidate(r)}: `;
  switch (r.why.kind) {
    case 'installed-other-version':
      return [
        `${head}${r.module} ${r.why.installed} is installed (changing it takes e module upgrade ${r.module} ${r.version})`,
      ];
    case 'conflict':
      return [
        `${head}conflicts with ${r.module} ${r.why.chosen}, already chosen${r.why.chosenFor.length > 0 ? ` for ${r.why.chosenFor.join(', ')}` : ''}`,
      ];
    case 'cycle':
      return [`${head}would form a cycle: ${formatCycle(r.why.cycle)}`];
    case 'unresolvable':
      if (depth >= MAX_DEPTH) return [`${head}its own requirements cannot be met (deeper reasons left out)`];
      return [`${head}cannot be installed, because`, ...formatReason(r.why.cause, `${indent}    `, depth + 1)];
  }
}
