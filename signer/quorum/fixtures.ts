/**
 * Test fixtures of the quorum core: enrolled operators backed by the software authenticator and
 * software card keys (both for tests only), and a helper that makes a valid approval.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { type ApprovalSubject, approvalDigest, approvalMessage } from './approval-message.js';
import type { Operator } from './operator.js';
import { type AssertionOptions, SoftwareAuthenticatorForTestsAndDemo } from './software-authenticator.js';
import { signApprovalWithSoftwareCardForTests } from './software-card.js';
import type { Approval } from './verify-approval.js';

export const RP = { rpId: 'airlock.local', origin: 'https://airlock.local' } as const;
export const BATCH = 'a1'.repeat(32);
export const OTHER_BATCH = 'b2'.repeat(32);
export const POLICY = 'c3'.repeat(32);
export const OTHER_POLICY = 'd4'.repeat(32);

export interface TestOperator {
  readonly operator: Operator;
  readonly cardSecret: Uint8Array;
  readonly authenticator: SoftwareAuthenticatorForTestsAndDemo;
}

/** A fresh operator; `seed` makes its keys deterministic. */
export function makeOperator(id: string, seed: number, role: Operator['role'] = 'operator'): TestOperator {
  const cardSecret = new Uint8Array(32).fill(seed);
  const p256Secret = new Uint8Array(32).fill(seed + 100);
  const authenticator = new SoftwareAuthenticatorForTestsAndDemo({
    ...RP,
    secretKey: p256Secret,
    credentialId: new Uint8Array(16).fill(seed),
  });
  return {
    cardSecret,
    authenticator,
    operator: {
      id,
      role,
      cardPublicKey: ed25519.getPublicKey(cardSecret),
      webauthn: authenticator.credential(),
    },
  };
}

export function threeOperators(): TestOperator[] {
  return [makeOperator('alice', 1, 'admin'), makeOperator('bob', 2), makeOperator('carol', 3)];
}

export interface ApproveOptions extends AssertionOptions {
  readonly batchDigest?: string;
  /** Approve a governance motion (batchDigest is then the motion's digest). */
  readonly subject?: ApprovalSubject;
  readonly policyDigest?: string;
  /** Sign the card half with this key instead of the operator's own. */
  readonly cardSecret?: Uint8Array;
}

/** The approval `who` gives: card signature and WebAuthn assertion over the approval digest. */
export function approve(who: TestOperator, options: ApproveOptions = {}): Approval {
  const message = approvalMessage(
    options.batchDigest ?? BATCH,
    options.policyDigest ?? POLICY,
    who.operator.id,
    options.subject ?? 'batch',
  );
  return {
    operatorId: who.operator.id,
    cardSignature: signApprovalWithSoftwareCardForTests(options.cardSecret ?? who.cardSecret, message),
    webauthn: who.authenticator.getAssertion(approvalDigest(message), options),
  };
}
