/**
 * Rollback protection for policy changes: versions only go up. A proposed policy whose version is
 * not strictly above the current one is refused with `POLICY_ROLLBACK`, whether it is an older
 * document (a rollback to laxer rules) or the current one sent again (a replay). The quorum that
 * approves a change approves it by its digest (digest.ts); this check runs when the approved
 * document is installed.
 */
import type { Policy } from './document.js';
import { violate } from './violation.js';

/**
 * The policy to install: `proposed`, when it is the first policy or its version is above the
 * current one. Throws PolicyViolation `POLICY_ROLLBACK` otherwise.
 */
export function acceptPolicyUpdate<P extends Pick<Policy, 'version'>>(
  current: Pick<Policy, 'version'> | null,
  proposed: P,
): P {
  if (current !== null && proposed.version <= current.version) {
    const what =
      proposed.version === current.version
        ? `policy version ${proposed.version} is already installed: a policy is installed once`
        : `policy version ${proposed.version} is older than the installed version ${current.version}`;
    violate('POLICY_ROLLBACK', `${what}; versions only go up`, {
      rule: 'version',
      limit: `above ${current.version}`,
      found: `${proposed.version}`,
    });
  }
  return proposed;
}
