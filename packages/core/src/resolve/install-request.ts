import { ResolutionError } from '../errors.js';
import { isValidRange } from '../selector/compare.js';

/** What the user asked to install: `kafka`, `kafka@0.2.0` or `kafka@^0.1`. */
export interface InstallRequest {
  name: string;
  /** An exact version or a node-semver range; undefined means the default version. */
  version?: string;
}

const NAME = /^[a-z0-9][a-z0-9-]*$/;

/** Parses `name[@version|@range]`; throws a ResolutionError with one sentence when it is malformed. */
export function parseInstallRequest(text: string): InstallRequest {
  const at = text.indexOf('@');
  const name = at < 0 ? text : text.slice(0, at);
  const version = at < 0 ? undefined : text.slice(at + 1).trim();
  if (!NAME.test(name)) {
    throw new ResolutionError(
      'E_REQUEST_NAME',
      `"${text}" does not name a module: expected NAME, NAME@VERSION or NAME@RANGE.`,
      {
        hint: 'module names are lower-case letters, digits and -, e.g. kafka@0.2.0 or kafka@^0.1',
      },
    );
  }
  if (version === undefined) return { name };
  if (version === '' || !isValidRange(version)) {
    throw new ResolutionError(
      'E_REQUEST_VERSION',
      `"${version}" in "${text}" is neither a version nor a semver range.`,
      {
        hint: 'write e.g. kafka@0.2.0, kafka@^0.1 or "kafka@>=0.1.0 <0.3"',
      },
    );
  }
  return { name, version };
}

export function formatInstallRequest(request: InstallRequest): string {
  return request.version === undefined ? request.name : `${request.name}@${request.version}`;
}
