/**
 * Enrolling an operator at the key ceremony (before the first policy: afterwards enrolment is a
 * governance motion, app/cli/commands/governance.ts), shared by `airlock operator enroll` and the
 * operator console: the checks, the Ed25519 key `operator-<id>` generated on the operator's own card
 * (after C_Login with the card's PIN, under Airlock's PIN lock-out), the WebAuthn credential (the
 * console's: the operator's authenticator, registered and verified; the CLI's: the software
 * authenticator for tests and demo), the registry entry and the audit row.
 */
import { existsSync } from 'node:fs';
import { generateKeyPair } from '../../hsm/index.js';
import { ApprovalError, type OperatorRole, type WebAuthnCredential } from '../../signer/quorum/index.js';
import { UsageError } from '../cli/command.js';
import type { CliContext } from '../cli/context.js';
import { operatorKeyLabel } from '../cli/operator-approval.js';
import { checkOperatorId, policyPath } from '../config/approvals.js';
import { type EnrolledOperator, readRegistry, writeRegistry } from '../config/registry.js';
import { audit, withPinGuard } from '../config/stores.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export interface Enrolee {
  readonly id: string;
  readonly role: OperatorRole;
  readonly cardToken: string;
}

/** Whether enrolment without a quorum is open: only before the first policy is installed. */
export function ceremonyEnrolmentOpen(ctx: CliContext): boolean {
  return !existsSync(policyPath(ctx.layout));
}

/**
 * Everything that can be checked before the card or the authenticator is touched. Whether the
 * enrolment is direct (the ceremony) or a motion is the caller's: enrolAtCeremony checks its own.
 */
export function checkEnrolee(ctx: CliContext, enrolee: Enrolee): void {
  const { id, role, cardToken } = enrolee;
  if (!checkOperatorId(id))
    throw new UsageError(
      'an operator id is 1-32 characters of a-z 0-9 . _ -, starting with a letter or digit',
    );
  if (role !== 'operator' && role !== 'admin') throw new UsageError('the role must be operator or admin');
  if (cardToken === ctx.config.signingToken)
    throw new UsageError(`"${cardToken}" is the signing token, not an operator card`);
  const registry = readRegistry(ctx.layout);
  if (registry.operators.some((o) => o.id === id))
    throw new UsageError(`operator ${id} is already enrolled (re-keying is a governance motion)`);
  const holder = registry.operators.find((o) => o.cardToken === cardToken);
  if (holder) throw new UsageError(`card "${cardToken}" already holds the key of operator ${holder.id}`);
}

export interface CeremonyEnrolment {
  readonly enrolee: Enrolee;
  readonly pin: () => Promise<string>;
  /** The operator's WebAuthn credential; called once the card key exists. */
  readonly credential: () => WebAuthnCredential;
  /** What made the credential, for the audit log. */
  readonly authenticator: string;
}

export async function enrolAtCeremony(ctx: CliContext, e: CeremonyEnrolment): Promise<EnrolledOperator> {
  if (!ceremonyEnrolmentOpen(ctx))
    throw new ApprovalError(
      'QUORUM_NOT_MET',
      'a policy is installed: enrolling an operator now is a governance motion the quorum approves',
    );
  checkEnrolee(ctx, e.enrolee);
  const { id, role } = e.enrolee;
  const token = ctx.token(e.enrolee.cardToken);
  const tokenLabel = token.info().label;
  const key = await withPinGuard(ctx.layout, { token: tokenLabel, subject: 'user-pin' }, async () =>
    token.withSession(
      await e.pin(),
      (s) => generateKeyPair(s, { curve: 'ed25519', label: operatorKeyLabel(id) }),
      { readWrite: true },
    ),
  );
  const operator: EnrolledOperator = {
    id,
    role,
    cardToken: tokenLabel,
    cardPublicKey: key.publicKey,
    webauthn: e.credential(),
  };
  const registry = readRegistry(ctx.layout);
  writeRegistry(ctx.layout, { ...registry, operators: [...registry.operators, operator] });
  audit(ctx.layout, {
    action: 'enrolment',
    payload: {
      operator: {
        id,
        role,
        cardToken: tokenLabel,
        cardKey: operatorKeyLabel(id),
        cardPublicKey: hex(key.publicKey),
        webauthn: {
          credentialId: operator.webauthn.credentialId,
          publicKey: hex(operator.webauthn.publicKey),
          rpId: operator.webauthn.rpId,
          authenticator: e.authenticator,
        },
      },
    },
  });
  return operator;
}
