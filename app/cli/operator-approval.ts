/**
 * One operator's two factors over an approval message (signer/quorum/approval-message.ts), for a batch
 * or a governance motion: the operator's card (Ed25519 key `operator-<id>`, after C_Login with the
 * card's PIN, under Airlock's own PIN lock-out) and the WebAuthn credential. Where the factors come
 * from is an `ApprovalFactors`: on the command line the PIN is typed (or piped) and the WebAuthn
 * assertion is the SOFTWARE AUTHENTICATOR FOR TESTS AND DEMO (no authenticator is attached to a CLI);
 * in the operator console both come from the operator at the screen (the PIN field and
 * navigator.credentials.get with user verification).
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
  type WebAuthnAssertion,
} from '../../signer/quorum/index.js';
import {
  loadSoftwareAuthenticator,
  SOFTWARE_AUTHENTICATOR_WARNING,
  saveSoftwareAuthenticatorCounter,
} from '../config/approvals.js';
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

/** Where an operator's two factors come from. */
export interface ApprovalFactors {
  /** The user PIN of the operator's card. */
  cardPin(operator: EnrolledOperator): Promise<string>;
  /** A WebAuthn assertion (user verified) over `challenge`, the approval digest. */
  webauthn(operator: EnrolledOperator, challenge: Uint8Array): Promise<WebAuthnAssertion>;
  /** What gave the assertion, for the audit log. */
  readonly authenticator: string;
}

/** The command line's factors: the PIN typed or piped, the software authenticator (tests and demo). */
export function cliFactors(ctx: CliContext, pinFromStdin: boolean): ApprovalFactors {
  return {
    authenticator: SOFTWARE_AUTHENTICATOR_WARNING,
    cardPin: (operator) =>
      readPin(`User PIN of ${operator.id}'s card "${operator.cardToken}": `, pinFromStdin),
    async webauthn(operator, challenge) {
      out(
        `WebAuthn for ${operator.id}: SOFTWARE AUTHENTICATOR FOR TESTS AND DEMO ONLY (no biometric is checked)`,
      );
      const { authenticator, counter } = loadSoftwareAuthenticator(ctx.layout, operator.id);
      const assertion = authenticator.getAssertion(challenge, { signCount: counter + 1 });
      saveSoftwareAuthenticatorCounter(ctx.layout, operator.id, counter + 1);
      return assertion;
    },
  };
}

/**
 * The console's factors: the PIN the operator typed and the assertion their authenticator gave to
 * navigator.credentials.get. The assertion is checked like any other (challenge, origin, rpId, UP+UV,
 * counter, signature) before anything is stored.
 */
export function consoleFactors(pin: string, assertion: WebAuthnAssertion): ApprovalFactors {
  return {
    authenticator: 'WebAuthn authenticator with user verification (operator console)',
    cardPin: async () => pin,
    webauthn: async () => assertion,
  };
}

export async function giveApproval(
  ctx: CliContext,
  operator: EnrolledOperator,
  subject: ApprovalSubject,
  subjectDigest: string,
  policyDigest: string,
  factors: ApprovalFactors,
): Promise<GivenApproval> {
  const operatorId = operator.id;
  const digest = approvalDigest(approvalMessage(subjectDigest, policyDigest, operatorId, subject));

  // Factor 1: the operator's card, after C_Login with the card's PIN (Airlock's own lock-out around it).
  const token = ctx.token(operator.cardToken);
  const cardSignature = await withPinGuard(
    ctx.layout,
    { token: operator.cardToken, subject: 'user-pin' },
    async () =>
      token.withSession(await factors.cardPin(operator), (s) =>
        signEd25519(s, findKey(s, { label: operatorKeyLabel(operatorId) }), digest),
      ),
  );

  // Factor 2: WebAuthn over the same approval digest.
  const assertion = await factors.webauthn(operator, digest);

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
