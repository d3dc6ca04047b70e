/**
 * Keys on a token: the key ceremony's templates, generation, look-up and public-key reading.
 *
 * Airlock keys are generated on the token and never leave it: private halves are CKA_TOKEN,
 * CKA_PRIVATE, CKA_SENSITIVE, not CKA_EXTRACTABLE, not modifiable, and usable for signing only
 * (CKA_DECRYPT, CKA_UNWRAP, CKA_DERIVE, CKA_SIGN_RECOVER false). Each key has a unique label and id.
 */
import { randomBytes } from 'node:crypto';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import pkcs11js from 'pkcs11js';
import {
  CKK_EC_EDWARDS,
  CKM_EC_EDWARDS_KEY_PAIR_GEN,
  EC_PARAMS_ED25519,
  EC_PARAMS_ED25519_PRINTABLE,
  EC_PARAMS_SECP256K1,
} from './constants.js';
import { DuplicateLabelError, KeyFormatError, KeyNotFoundError } from './errors.js';
import type { Session } from './session.js';
import type { Curve } from './types.js';

export type { Curve };

/** A key pair on the token, with its public half decoded. */
export interface TokenKey {
  readonly label: string;
  /** CKA_ID, hex. */
  readonly id: string;
  readonly curve: Curve;
  /** secp256k1: 33-byte compressed SEC1 point; ed25519: 32 bytes. */
  readonly publicKey: Uint8Array;
  readonly privateHandle: Buffer;
  readonly publicHandle: Buffer;
}

export interface KeyGenSpec {
  readonly curve: Curve;
  readonly label: string;
  /** CKA_ID; 16 random bytes when absent. */
  readonly id?: Uint8Array;
}

const LABEL_RE = /^[A-Za-z0-9._:-]{1,64}$/;

function ecParams(curve: Curve): Buffer {
  return Buffer.from(curve === 'secp256k1' ? EC_PARAMS_SECP256K1 : EC_PARAMS_ED25519);
}

/** The private-key template: every attribute that makes the key a non-extractable signing-only key. */
export function privateKeyTemplate(spec: Required<KeyGenSpec>): pkcs11js.Template {
  return [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
    { type: pkcs11js.CKA_KEY_TYPE, value: spec.curve === 'secp256k1' ? pkcs11js.CKK_EC : CKK_EC_EDWARDS },
    { type: pkcs11js.CKA_TOKEN, value: true },
    { type: pkcs11js.CKA_PRIVATE, value: true },
    { type: pkcs11js.CKA_SENSITIVE, value: true },
    { type: pkcs11js.CKA_EXTRACTABLE, value: false },
    { type: pkcs11js.CKA_MODIFIABLE, value: false },
    { type: pkcs11js.CKA_SIGN, value: true },
    { type: pkcs11js.CKA_SIGN_RECOVER, value: false },
    { type: pkcs11js.CKA_DECRYPT, value: false },
    { type: pkcs11js.CKA_UNWRAP, value: false },
    { type: pkcs11js.CKA_DERIVE, value: false },
    { type: pkcs11js.CKA_LABEL, value: spec.label },
    { type: pkcs11js.CKA_ID, value: Buffer.from(spec.id) },
  ];
}

/** The public-key template: verify only. */
export function publicKeyTemplate(spec: Required<KeyGenSpec>): pkcs11js.Template {
  return [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
    { type: pkcs11js.CKA_KEY_TYPE, value: spec.curve === 'secp256k1' ? pkcs11js.CKK_EC : CKK_EC_EDWARDS },
    { type: pkcs11js.CKA_TOKEN, value: true },
    { type: pkcs11js.CKA_PRIVATE, value: false },
    { type: pkcs11js.CKA_MODIFIABLE, value: false },
    { type: pkcs11js.CKA_VERIFY, value: true },
    { type: pkcs11js.CKA_ENCRYPT, value: false },
    { type: pkcs11js.CKA_WRAP, value: false },
    { type: pkcs11js.CKA_DERIVE, value: false },
    { type: pkcs11js.CKA_EC_PARAMS, value: ecParams(spec.curve) },
    { type: pkcs11js.CKA_LABEL, value: spec.label },
    { type: pkcs11js.CKA_ID, value: Buffer.from(spec.id) },
  ];
}

/** Generate a key pair on the token (session must be read-write and logged in). */
export function generateKeyPair(session: Session, spec: KeyGenSpec): TokenKey {
  if (!LABEL_RE.test(spec.label)) {
    throw new RangeError(
      `"label" expected 1-64 characters of A-Z a-z 0-9 . _ : -, got ${JSON.stringify(spec.label)}`,
    );
  }
  const id = spec.id ?? randomBytes(16);
  if (session.findObjects([{ type: pkcs11js.CKA_LABEL, value: spec.label }], 1).length > 0) {
    throw new DuplicateLabelError(spec.label);
  }
  if (session.findObjects([{ type: pkcs11js.CKA_ID, value: Buffer.from(id) }], 1).length > 0) {
    throw new RangeError(
      `"id" ${Buffer.from(id).toString('hex')} is already used by another object on the token`,
    );
  }
  const full = { curve: spec.curve, label: spec.label, id };
  const mechanism = spec.curve === 'secp256k1' ? pkcs11js.CKM_EC_KEY_PAIR_GEN : CKM_EC_EDWARDS_KEY_PAIR_GEN;
  const pair = session.run('C_GenerateKeyPair', (raw, h) =>
    raw.C_GenerateKeyPair(h, { mechanism }, publicKeyTemplate(full), privateKeyTemplate(full)),
  );
  return describeKey(session, pair.privateKey, pair.publicKey);
}

/** Find a key pair by label or by id (hex). */
export function findKey(session: Session, selector: { label: string } | { id: string }): TokenKey {
  const attr =
    'label' in selector
      ? { type: pkcs11js.CKA_LABEL, value: selector.label }
      : { type: pkcs11js.CKA_ID, value: Buffer.from(selector.id, 'hex') };
  const what = 'label' in selector ? `labelled "${selector.label}"` : `with id ${selector.id}`;
  const priv = session.findObjects([{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }, attr], 2);
  const pub = session.findObjects([{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY }, attr], 2);
  if (priv.length === 0 || pub.length === 0) throw new KeyNotFoundError(what);
  if (priv.length > 1 || pub.length > 1)
    throw new KeyFormatError(`more than one key ${what}: labels must be unique`);
  return describeKey(session, priv[0]!, pub[0]!);
}

/**
 * The public half of a key pair by label, readable without logging in (public objects are
 * CKA_PRIVATE false).
 */
export function readPublicKey(
  session: Session,
  label: string,
): { label: string; id: string; curve: Curve; publicKey: Uint8Array } {
  const pub = session.findObjects(
    [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
      { type: pkcs11js.CKA_LABEL, value: label },
    ],
    2,
  );
  if (pub.length === 0) throw new KeyNotFoundError(`labelled "${label}"`);
  if (pub.length > 1)
    throw new KeyFormatError(`more than one public key labelled "${label}": labels must be unique`);
  const { privateHandle: _unused, ...rest } = describeKey(session, Buffer.alloc(0), pub[0]!);
  return { label: rest.label, id: rest.id, curve: rest.curve, publicKey: rest.publicKey };
}

/** Every key pair on the token visible to this session (private keys need a logged-in session). */
export function listKeys(session: Session): TokenKey[] {
  const privs = session.findObjects([{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }]);
  const keys: TokenKey[] = [];
  for (const priv of privs) {
    const id = session.getAttributes(priv, [pkcs11js.CKA_ID]).get(pkcs11js.CKA_ID);
    if (!id) continue;
    const pub = session.findObjects(
      [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
        { type: pkcs11js.CKA_ID, value: id },
      ],
      1,
    );
    if (pub[0]) keys.push(describeKey(session, priv, pub[0]));
  }
  return keys.sort((a, b) => a.label.localeCompare(b.label));
}

function describeKey(session: Session, privateHandle: Buffer, publicHandle: Buffer): TokenKey {
  const attrs = session.getAttributes(publicHandle, [
    pkcs11js.CKA_LABEL,
    pkcs11js.CKA_ID,
    pkcs11js.CKA_KEY_TYPE,
    pkcs11js.CKA_EC_PARAMS,
    pkcs11js.CKA_EC_POINT,
  ]);
  const label = attrs.get(pkcs11js.CKA_LABEL)?.toString('utf8') ?? '';
  const id = attrs.get(pkcs11js.CKA_ID)?.toString('hex') ?? '';
  const curve = curveOf(attrs.get(pkcs11js.CKA_EC_PARAMS), label);
  const point = decodeEcPoint(attrs.get(pkcs11js.CKA_EC_POINT), curve, label);
  return { label, id, curve, publicKey: point, privateHandle, publicHandle };
}

function curveOf(params: Buffer | undefined, label: string): Curve {
  if (params?.equals(EC_PARAMS_SECP256K1)) return 'secp256k1';
  if (params?.equals(EC_PARAMS_ED25519) || params?.equals(EC_PARAMS_ED25519_PRINTABLE)) return 'ed25519';
  throw new KeyFormatError(
    `key "${label}" is on a curve Airlock does not use (CKA_EC_PARAMS ${params?.toString('hex') ?? 'missing'})`,
  );
}

/**
 * CKA_EC_POINT is a DER OCTET STRING holding the point (PKCS#11 v2.40); some modules return the
 * bare point. The lengths tell the two apart unambiguously for these curves.
 */
export function decodeEcPoint(value: Buffer | undefined, curve: Curve, label = ''): Uint8Array {
  if (!value) throw new KeyFormatError(`key "${label}" has no CKA_EC_POINT`);
  const bare = curve === 'secp256k1' ? [65, 33] : [32];
  let point: Uint8Array = value;
  if (!bare.includes(value.length)) {
    const len = value[1];
    if (value[0] !== 0x04 || len === undefined || len !== value.length - 2 || !bare.includes(len)) {
      throw new KeyFormatError(
        `key "${label}": CKA_EC_POINT is neither a point nor a DER OCTET STRING of one`,
      );
    }
    point = value.subarray(2);
  }
  if (curve === 'ed25519') return Uint8Array.from(point);
  try {
    return secp256k1.Point.fromBytes(point).toBytes(true);
  } catch {
    throw new KeyFormatError(`key "${label}": CKA_EC_POINT is not a point on secp256k1`);
  }
}
