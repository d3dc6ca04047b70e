/**
 * One operator's two factors over an approval message (signer/quorum/approval-message.ts), for a batch
 * or a governance motion: the operator's card (Ed25519 key `operator-<id>`, after C_Login with the
 * card's PIN, under Airlock's own PIN lock-out) and the WebAuthn credential, which on the command line
 * is the SOFTWARE AUTHENTICATOR FOR TESTS AND DEMO (no authenticator is attached to a CLI).
 *
 * The result is verified by the quorum core before it is returned, exactly as the quorum will verify
 * it later: the CLI never trusts its own factors. The operator's new WebAuthn counter is persisted.
 */
import { findKey, signEd25519 } from '../../hsm/index.js';
import {
  type Approval,
  type ApprovalSubject,
  approvalDigest,
  approvalMessage,
  verifyApproval,
} from '../../signer/quorum/index.js';
import { loadSoftwareAuthenticator, saveSoftwareAuthenticatorCounter } from '../config/approvals.js';
import { type EnrolledOperator, RELYING_PARTY, readRegistry, writeRegistry } from '../config/registry.js';
import { withPinGuard } from '../config/stores.js';
import { out } from './command.js';
import type { CliContext } from './context.js';
import { readPin } from './pin.js';

/** The label of an operator's approval key on their card. */
export function operatorKeyLabel(operatorId: string): string {
  return `operator-${operatorId}`;
}

export interface GivenApproval {
  readonly approval: Approval;
  /** The operator's WebAuthn counter before this approval (what the quorum verifies against). */
  readonly signCountBefore: number;
  /** The counter after it (now in the registry). */
  readonly signCount: number;
}

export async function giveApproval(
  ctx: CliContext,
  operator: EnrolledOperator,
  subject: ApprovalSubject,
  subjectDigest: string,
  policyDigest: string,
  pinFromStdin: boolean,
): Promise<GivenApproval> {
  const operatorId = operator.id;
  const digest = approvalDigest(approvalMessage(subjectDigest, policyDigest, operatorId, subject));

  // Factor 1: the operator's card, after C_Login with the card's PIN (Airlock's own lock-out around it).
  const token = ctx.token(operator.cardToken);
  const cardSignature = await withPinGuard(
    ctx.layout,
    { token: operator.cardToken, subject: 'user-pin' },
    async () =>
      token.withSession(
        await readPin(`User PIN of ${operatorId}'s card "${operator.cardToken}": `, pinFromStdin),
        (s) => signEd25519(s, findKey(s, { label: operatorKeyLabel(operatorId) }), digest),
      ),
  );

  // Factor 2: WebAuthn. No authenticator is attached to a CLI: the software one stands in.
  out(`WebAuthn for ${operatorId}: SOFTWARE AUTHENTICATOR FOR TESTS AND DEMO ONLY (no biometric is checked)`);
  const { authenticator, counter } = loadSoftwareAuthenticator(ctx.layout, operatorId);
  const assertion = authenticator.getAssertion(digest, { signCount: counter + 1 });
  saveSoftwareAuthenticatorCounter(ctx.layout, operatorId, counter + 1);

  const approval: Approval = {
    operatorId,
    cardSignature: Buffer.from(cardSignature).toString('hex'),
    webauthn: assertion,
  };
  // The core verifies both factors as the quorum will; nothing unverified is stored.
  const signCount = verifyApproval(approval, operator, {
    batchDigest: subjectDigest,
    subject,
    policyDigest,
    ...RELYING_PARTY,
  });
  const registry = readRegistry(ctx.layout);
  writeRegistry(ctx.layout, {
    ...registry,
    operators: registry.operators.map((o) =>
      o.id === operatorId ? { ...o, webauthn: { ...o.webauthn, signCount } } : o,
    ),
  });
  return { approval, signCountBefore: operator.webauthn.signCount, signCount };
}
