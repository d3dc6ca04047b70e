/**
 * The one IPC contract between the operator console (renderer) and the appliance (main process):
 * every channel, its request and its response, and every event main sends. Electron's ipcMain and
 * the Chromium test harness serve the same handler table (app/handlers/) through `dispatch`; the
 * preload exposes only `AirlockBridge`.
 *
 * Pure and browser-safe: no `node:` imports, no Buffer. Every request is parsed from `unknown` here
 * (`parseRequest`) before any handler sees it; a payload that does not parse is refused with
 * INVALID_REQUEST naming the member. Binary data crosses as base64 (standard, padded) or base64url
 * for WebAuthn members, exactly as WebAuthn hands them over.
 *
 * The console is served at CONSOLE_ORIGIN in Electron (a handled https scheme, no network) and in the
 * harness (Playwright routes, no network): WebAuthn's relying party is that origin.
 */

import { base64, base64urlnopad } from '@scure/base';

/** Where the console is served from, in Electron and in the harness alike. */
export const CONSOLE_ORIGIN = 'https://airlock.local';

// ---- shared views (JSON-safe: amounts and digests as strings) ----

export type BatchStateName = 'imported' | 'reviewed' | 'approved' | 'signed' | 'exported';

export interface OperatorView {
  readonly id: string;
  readonly role: 'operator' | 'admin';
  readonly cardToken: string;
  /** The card's token is reachable through the PKCS#11 module right now. */
  readonly cardPresent: boolean;
  /** base64url WebAuthn credential id (allowCredentials for navigator.credentials.get). */
  readonly credentialId: string;
}

export interface FreezeView {
  readonly frozen: boolean;
  readonly since: string | null;
  readonly by: readonly string[];
  readonly reason: string | null;
}

export interface BatchSummary {
  readonly digest: string;
  readonly batchId: string;
  readonly fingerprint: string;
  readonly withdrawals: number;
  readonly state: BatchStateName | null;
  readonly importedAt: string;
}

export interface ApplianceStatus {
  readonly network: 'mainnet' | 'testnet';
  readonly signingToken: { readonly label: string; readonly present: boolean };
  readonly operators: readonly OperatorView[];
  readonly policy: { readonly version: number; readonly digest: string } | null;
  readonly freeze: FreezeView;
  readonly relyingParty: { readonly rpId: string; readonly origin: string };
  /** Batches imported on this appliance, newest first. */
  readonly batches: readonly BatchSummary[];
  readonly openMotions: readonly {
    readonly motionId: string;
    readonly kind: string;
    readonly approvals: number;
  }[];
  readonly auditRows: number;
  /**
   * Enrolment: `open` at the key ceremony, until the first policy is installed (the operator is
   * enrolled at once); `byMotion` after it (the console makes the card key, registers the
   * authenticator and proposes an operator-enroll motion the quorum approves in Motions).
   * `freeCards`: operator card tokens configured in airlock.json, present, holding no operator's key.
   */
  readonly enrolment: {
    readonly open: boolean;
    readonly byMotion: boolean;
    readonly freeCards: readonly string[];
  };
}

/** A governance motion as the console shows it (signer/governance/motion.ts). */
export interface MotionView {
  readonly motionId: string;
  readonly digest: string;
  readonly kind: string;
  /** What carrying it out does, in words. */
  readonly description: string;
  readonly proposedBy: string;
  readonly expiresAt: string;
  /** Operators who approved it so far. */
  readonly approvals: readonly string[];
  /** Approvals it needs, and how many of them by an admin. */
  readonly required: number;
  readonly admins: number;
}

/** What navigator.credentials.create needs to register an operator's authenticator. */
export interface RegistrationOptionsView {
  readonly operatorId: string;
  /** base64url of 32 random bytes, good for one registration within five minutes. */
  readonly challenge: string;
  readonly rpId: string;
  readonly rpName: string;
  /** base64url of the user handle (the operator id's UTF-8 bytes). */
  readonly userId: string;
  readonly userName: string;
  /** Credentials already enrolled (base64url): an authenticator holding one refuses to register again. */
  readonly excludeCredentials: readonly string[];
}

export interface WebAuthnRegistrationWire {
  /** base64url of `rawId`. */
  readonly credentialId: string;
  readonly clientDataJSON: string;
  readonly attestationObject: string;
}

export interface WithdrawalView {
  readonly id: string;
  readonly chain: 'bitcoin' | 'ethereum';
  readonly asset: string;
  readonly symbol: string;
  readonly destination: string;
  readonly amount: string;
  readonly amountText: string;
  readonly fee: string;
  readonly feeText: string;
  readonly nonce: string | null;
  readonly keyLabel: string;
  readonly change: readonly { readonly destination: string; readonly amount: string }[];
  /** From the policy decision (null when the batch is refused by the policy). */
  readonly usdValue: string | null;
  readonly tier: number | null;
  readonly required: number | null;
  readonly newDestination: boolean;
}

/** A typed error as the console shows it: the stable code, and where and what when known. */
export interface ErrorView {
  /** Which family: the CLI's exit-code families, plus the IPC edge's own. */
  readonly kind:
    | 'refused'
    | 'policy'
    | 'approval'
    | 'pin'
    | 'hsm'
    | 'config'
    | 'transport'
    | 'invalid-request'
    | 'sender'
    | 'internal';
  readonly code: string;
  readonly message: string;
  readonly withdrawalId?: string;
  readonly field?: string;
  readonly rule?: string;
  readonly expected?: string;
  readonly found?: string;
}

export interface PolicyView {
  readonly version: number;
  readonly digest: string;
  readonly required: number;
  readonly operators: number;
  readonly flagged: readonly string[];
  readonly reasons: readonly string[];
}

export interface ApprovalView {
  readonly operatorId: string;
  readonly approvedAt: string;
}

export interface BatchReview {
  readonly digest: string;
  readonly batchId: string;
  readonly network: string;
  readonly coordinatorKeyId: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly fingerprint: string;
  readonly state: BatchStateName | null;
  readonly withdrawals: readonly WithdrawalView[];
  readonly totals: readonly { readonly symbol: string; readonly amountText: string }[];
  /** The policy's decision, or null when the policy refuses the batch (then `policyRefusal`). */
  readonly policy: PolicyView | null;
  readonly policyRefusal: ErrorView | null;
  readonly approvals: readonly ApprovalView[];
  readonly quorumMet: boolean;
}

export interface SignedSummary {
  readonly digest: string;
  readonly batchId: string;
  /** True when the batch was signed before and the very same result is handed out again. */
  readonly again: boolean;
  readonly withdrawals: readonly { readonly id: string; readonly chain: string; readonly txid: string }[];
  readonly resultBytes: number;
}

export interface WebAuthnAssertionWire {
  readonly credentialId: string;
  readonly authenticatorData: string;
  readonly clientDataJSON: string;
  readonly signature: string;
}

/** What navigator.credentials.get needs for one operator's biometric step. */
export interface ChallengeView {
  readonly operatorId: string;
  readonly cardToken: string;
  /** base64url of the approval digest: the WebAuthn challenge. */
  readonly challenge: string;
  readonly rpId: string;
  readonly credentialId: string;
  /** What is being approved, for the operator to read before touching the card. */
  readonly subject: 'batch' | 'motion';
  readonly subjectDigest: string;
  readonly fingerprint: string | null;
}

export interface AuditRowView {
  readonly seq: number;
  readonly at: string;
  readonly action: string;
  readonly actor: string;
  readonly payload: string;
  readonly hash: string;
}

export interface AuditVerifyView {
  readonly ok: boolean;
  readonly rows: number;
  readonly headHash: string | null;
  readonly problem: { readonly seq: number; readonly kind: string; readonly message: string } | null;
}

export interface UsbFileView {
  readonly name: string;
  readonly bytes: number;
  readonly kind: string;
}

// ---- the channels ----

export interface Contract {
  'status:get': { request: Record<string, never>; response: ApplianceStatus };
  'usb:list': { request: Record<string, never>; response: { root: string; files: readonly UsbFileView[] } };
  /** A batch read by the camera (its bytes, reassembled by the renderer's QR decoder) or from USB. */
  'batch:import': {
    request: { from: 'camera'; bytes: string } | { from: 'usb'; name: string };
    response: BatchReview;
  };
  'batch:review': { request: { digest: string }; response: BatchReview };
  'approval:challenge': {
    request: { subject: 'batch' | 'motion'; digest: string; operatorId: string };
    response: ChallengeView;
  };
  'approval:submit': {
    request: { digest: string; operatorId: string; pin: string; assertion: WebAuthnAssertionWire };
    response: BatchReview;
  };
  'batch:sign': {
    request: { digest: string; pin: string } | { digest: string; shares: readonly string[] };
    response: SignedSummary;
  };
  'result:get': { request: { digest: string }; response: { bytes: string; fileName: string } };
  'result:export-usb': {
    request: { digest: string };
    response: { path: string; bytes: number; sha256: string };
  };
  'audit:list': {
    request: { beforeSeq: number | null; limit: number };
    response: { rows: readonly AuditRowView[]; total: number };
  };
  'audit:verify': { request: Record<string, never>; response: AuditVerifyView };
  /**
   * A freeze is a motion one admin carries out at once: `freeze:begin` proposes it and gives the
   * admin's challenge, `motion:approve` takes the admin's factors and carries it out.
   */
  'freeze:begin': {
    request: { operatorId: string; reason: string };
    response: ChallengeView;
  };
  /** Open motions (not carried out, not expired, under the policy in force). */
  'motion:list': { request: Record<string, never>; response: { motions: readonly MotionView[] } };
  /** Propose the unfreeze of the freeze in force, or join the open one. */
  'unfreeze:propose': { request: { reason: string }; response: MotionView };
  /** One operator's approval of a motion (challenge from approval:challenge with subject motion). */
  'motion:approve': {
    request: { motionDigest: string; operatorId: string; pin: string; assertion: WebAuthnAssertionWire };
    response: ApplianceStatus;
  };
  /** Enrol an operator at the key ceremony: first the registration options, then PIN + registration. */
  'operator:enrol-begin': {
    request: { operatorId: string; role: 'operator' | 'admin'; cardToken: string };
    response: RegistrationOptionsView;
  };
  'operator:enrol-complete': {
    request: {
      operatorId: string;
      role: 'operator' | 'admin';
      cardToken: string;
      pin: string;
      registration: WebAuthnRegistrationWire;
    };
    response: ApplianceStatus;
  };
}

export type Channel = keyof Contract;
export type RequestOf<C extends Channel> = Contract[C]['request'];
export type ResponseOf<C extends Channel> = Contract[C]['response'];

export const CHANNELS = [
  'status:get',
  'usb:list',
  'batch:import',
  'batch:review',
  'approval:challenge',
  'approval:submit',
  'batch:sign',
  'result:get',
  'result:export-usb',
  'audit:list',
  'audit:verify',
  'freeze:begin',
  'operator:enrol-begin',
  'operator:enrol-complete',
  'motion:list',
  'unfreeze:propose',
  'motion:approve',
] as const satisfies readonly Channel[];

// Compile-time: CHANNELS lists every channel of the contract.
type Missing = Exclude<Channel, (typeof CHANNELS)[number]>;
const _everyChannelListed: Missing extends never ? true : never = true;
void _everyChannelListed;

export function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && (CHANNELS as readonly string[]).includes(value);
}

// ---- events (main → renderer) ----

export interface Events {
  'sign:progress': {
    digest: string;
    phase: 'checking' | 'signing' | 'verifying' | 'recording' | 'done';
    done: number;
    total: number;
  };
}
export type EventName = keyof Events;
export const EVENTS = ['sign:progress'] as const satisfies readonly EventName[];

export type IpcResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: ErrorView };

/** What the preload (Electron) or the harness bridge (Chromium) exposes as `window.airlock`. */
export interface AirlockBridge {
  invoke<C extends Channel>(channel: C, request: RequestOf<C>): Promise<IpcResult<ResponseOf<C>>>;
  /** Subscribe to an event; returns the unsubscribe function. */
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
}

/** The global name of the bridge in the renderer. */
export const BRIDGE_GLOBAL = 'airlock';

// ---- parsing requests from unknown ----

export class InvalidRequestError extends Error {
  override readonly name = 'InvalidRequestError';
  readonly code = 'INVALID_REQUEST';
  constructor(
    readonly channel: string,
    readonly member: string,
    message: string,
  ) {
    super(`${channel}: "${member}" ${message}`);
  }
}

const DIGEST = /^[0-9a-f]{64}$/;
const OPERATOR_ID = /^[a-z0-9][a-z0-9._-]{0,31}$/;
const B64URL = /^[A-Za-z0-9_-]*$/;
const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Bounds at the edge: larger than any legitimate value, small enough to refuse a flood. */
export const IPC_LIMITS = Object.freeze({
  /** A batch as base64: the format's own limit (16 MiB) × 4/3, rounded up. */
  maxBatchBase64: 22_400_000,
  maxPin: 255,
  maxShares: 16,
  maxShare: 1_024,
  maxReason: 500,
  maxWebAuthnMember: 8_192,
  maxUsbName: 4_096,
  maxAuditPage: 500,
  maxTokenLabel: 32,
});

type Obj = Record<string, unknown>;

function reader(channel: string, raw: unknown, allowed: readonly string[]) {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new InvalidRequestError(channel, 'request', 'must be an object');
  const o = raw as Obj;
  for (const k of Object.keys(o))
    if (!allowed.includes(k)) throw new InvalidRequestError(channel, k, 'is not a member of this request');
  const fail = (member: string, message: string): never => {
    throw new InvalidRequestError(channel, member, message);
  };
  const str = (member: string, max: number, re?: RegExp, source: Obj = o): string => {
    const v = source[member];
    if (typeof v !== 'string') return fail(member, 'must be a string');
    if (v.length > max) return fail(member, `must be at most ${max} characters`);
    if (re && !re.test(v)) return fail(member, 'is not in the expected form');
    return v;
  };
  return { o, fail, str };
}

function parseAssertion(channel: string, raw: unknown): WebAuthnAssertionWire {
  const max = IPC_LIMITS.maxWebAuthnMember;
  const { str } = reader(channel, raw, ['credentialId', 'authenticatorData', 'clientDataJSON', 'signature']);
  return {
    credentialId: str('credentialId', max, B64URL),
    authenticatorData: str('authenticatorData', max, B64URL),
    clientDataJSON: str('clientDataJSON', max, B64URL),
    signature: str('signature', max, B64URL),
  };
}

/** One operator's factors over a subject: its digest (under `digestKey`), the operator, PIN, assertion. */
function parseFactors<K extends string>(
  channel: string,
  raw: unknown,
  digestKey: K,
): Record<K, string> & { operatorId: string; pin: string; assertion: WebAuthnAssertionWire } {
  const { o, str } = reader(channel, raw, [digestKey, 'operatorId', 'pin', 'assertion']);
  return {
    [digestKey]: str(digestKey, 64, DIGEST),
    operatorId: str('operatorId', 32, OPERATOR_ID),
    pin: str('pin', IPC_LIMITS.maxPin),
    assertion: parseAssertion(channel, o.assertion),
  } as Record<K, string> & { operatorId: string; pin: string; assertion: WebAuthnAssertionWire };
}

function parseRegistration(channel: string, raw: unknown): WebAuthnRegistrationWire {
  const max = IPC_LIMITS.maxWebAuthnMember;
  const { str } = reader(channel, raw, ['credentialId', 'clientDataJSON', 'attestationObject']);
  return {
    credentialId: str('credentialId', max, B64URL),
    clientDataJSON: str('clientDataJSON', max, B64URL),
    attestationObject: str('attestationObject', max, B64URL),
  };
}

/** A PKCS#11 token label: 1-32 printable characters (CK_TOKEN_INFO.label is 32 bytes). */
const TOKEN_LABEL = /^[\x21-\x7e](?:[\x20-\x7e]{0,30}[\x21-\x7e])?$/;

function parseEnrolee(
  channel: string,
  o: Record<string, unknown>,
  str: ReturnType<typeof reader>['str'],
): { operatorId: string; role: 'operator' | 'admin'; cardToken: string } {
  if (o.role !== 'operator' && o.role !== 'admin')
    throw new InvalidRequestError(channel, 'role', 'must be operator or admin');
  const role: 'operator' | 'admin' = o.role;
  return {
    operatorId: str('operatorId', 32, OPERATOR_ID),
    role,
    cardToken: str('cardToken', IPC_LIMITS.maxTokenLabel, TOKEN_LABEL),
  };
}

type Parsers = { [C in Channel]: (raw: unknown) => RequestOf<C> };

const none =
  <C extends Channel>(channel: C) =>
  (raw: unknown): Record<string, never> => {
    reader(channel, raw ?? {}, []);
    return {};
  };

const PARSERS: Parsers = {
  'status:get': none('status:get'),
  'usb:list': none('usb:list'),
  'batch:import': (raw) => {
    const c = 'batch:import';
    const { o, fail, str } = reader(c, raw, ['from', 'bytes', 'name']);
    if (o.from === 'camera') {
      if ('name' in o) fail('name', 'is only for a USB import');
      const bytes = str('bytes', IPC_LIMITS.maxBatchBase64, B64);
      if (bytes.length === 0) fail('bytes', 'must not be empty');
      return { from: 'camera', bytes };
    }
    if (o.from === 'usb') {
      if ('bytes' in o) fail('bytes', 'is only for a camera import');
      const name = str('name', IPC_LIMITS.maxUsbName);
      if (name.length === 0) fail('name', 'must not be empty');
      return { from: 'usb', name };
    }
    return fail('from', 'must be "camera" or "usb"');
  },
  'batch:review': (raw) => {
    const { str } = reader('batch:review', raw, ['digest']);
    return { digest: str('digest', 64, DIGEST) };
  },
  'approval:challenge': (raw) => {
    const c = 'approval:challenge';
    const { o, fail, str } = reader(c, raw, ['subject', 'digest', 'operatorId']);
    const subject =
      o.subject === 'batch' || o.subject === 'motion'
        ? o.subject
        : fail('subject', 'must be batch or motion');
    return { subject, digest: str('digest', 64, DIGEST), operatorId: str('operatorId', 32, OPERATOR_ID) };
  },
  'approval:submit': (raw) => {
    const { digest, ...factors } = parseFactors('approval:submit', raw, 'digest');
    return { digest, ...factors };
  },
  'batch:sign': (raw) => {
    const c = 'batch:sign';
    const { o, fail, str } = reader(c, raw, ['digest', 'pin', 'shares']);
    const digest = str('digest', 64, DIGEST);
    if ('pin' in o && 'shares' in o) fail('pin', 'give the PIN whole or as shares, not both');
    if ('pin' in o) return { digest, pin: str('pin', IPC_LIMITS.maxPin) };
    const shares = o.shares;
    if (!Array.isArray(shares)) return fail('shares', 'must be an array (or give "pin")');
    if (shares.length < 2 || shares.length > IPC_LIMITS.maxShares)
      fail('shares', `must hold 2 to ${IPC_LIMITS.maxShares} shares`);
    return {
      digest,
      shares: shares.map((s, i) =>
        typeof s === 'string' && s.length > 0 && s.length <= IPC_LIMITS.maxShare
          ? s
          : fail(`shares[${i}]`, `must be a share of 1 to ${IPC_LIMITS.maxShare} characters`),
      ),
    };
  },
  'result:get': (raw) => ({ digest: reader('result:get', raw, ['digest']).str('digest', 64, DIGEST) }),
  'result:export-usb': (raw) => ({
    digest: reader('result:export-usb', raw, ['digest']).str('digest', 64, DIGEST),
  }),
  'audit:list': (raw) => {
    const { o, fail } = reader('audit:list', raw, ['beforeSeq', 'limit']);
    const before = o.beforeSeq;
    if (before !== null && !(Number.isSafeInteger(before) && (before as number) > 0))
      fail('beforeSeq', 'must be null or a positive integer');
    const limit = o.limit;
    if (!Number.isSafeInteger(limit) || (limit as number) < 1 || (limit as number) > IPC_LIMITS.maxAuditPage)
      fail('limit', `must be an integer 1..${IPC_LIMITS.maxAuditPage}`);
    return { beforeSeq: before as number | null, limit: limit as number };
  },
  'audit:verify': none('audit:verify'),
  'freeze:begin': (raw) => {
    const { str } = reader('freeze:begin', raw, ['operatorId', 'reason']);
    return { operatorId: str('operatorId', 32, OPERATOR_ID), reason: str('reason', IPC_LIMITS.maxReason) };
  },
  'motion:list': none('motion:list'),
  'unfreeze:propose': (raw) => ({
    reason: reader('unfreeze:propose', raw, ['reason']).str('reason', IPC_LIMITS.maxReason),
  }),
  'motion:approve': (raw) => {
    const { motionDigest, ...factors } = parseFactors('motion:approve', raw, 'motionDigest');
    return { motionDigest, ...factors };
  },
  'operator:enrol-begin': (raw) => {
    const c = 'operator:enrol-begin';
    const { o, str } = reader(c, raw, ['operatorId', 'role', 'cardToken']);
    return parseEnrolee(c, o, str);
  },
  'operator:enrol-complete': (raw) => {
    const c = 'operator:enrol-complete';
    const { o, str } = reader(c, raw, ['operatorId', 'role', 'cardToken', 'pin', 'registration']);
    return {
      ...parseEnrolee(c, o, str),
      pin: str('pin', IPC_LIMITS.maxPin),
      registration: parseRegistration(c, o.registration),
    };
  },
};

/** Parse a request for `channel` from whatever arrived; throws InvalidRequestError naming the member. */
export function parseRequest<C extends Channel>(channel: C, raw: unknown): RequestOf<C> {
  return PARSERS[channel](raw) as RequestOf<C>;
}

// ---- base64, in the renderer and in Node (@scure/base: audited, browser-safe) ----

export const bytesToBase64 = (bytes: Uint8Array): string => base64.encode(bytes);
export const base64ToBytes = (text: string): Uint8Array => base64.decode(text);
export const bytesToBase64url = (bytes: Uint8Array): string => base64urlnopad.encode(bytes);
export const base64urlToBytes = (text: string): Uint8Array => base64urlnopad.decode(text);
