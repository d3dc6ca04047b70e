/**
 * PKCS#11 constants Airlock needs that pkcs11js does not export (PKCS#11 v3.0, section 2.3.5/6.3),
 * plus the EC parameter encodings of the two curves Airlock generates keys on.
 */

/** CKK_EC_EDWARDS (v3.0): key type of Ed25519/Ed448 keys. */
export const CKK_EC_EDWARDS = 0x40;
/** CKM_EC_EDWARDS_KEY_PAIR_GEN (v3.0). */
export const CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055;
/** CKM_EDDSA (v3.0): pure EdDSA over the whole message. */
export const CKM_EDDSA = 0x1057;

/** CKA_EC_PARAMS for secp256k1: DER OID 1.3.132.0.10. */
export const EC_PARAMS_SECP256K1 = Uint8Array.of(0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a);
/** CKA_EC_PARAMS for Ed25519: DER OID 1.3.101.112 (id-Ed25519, RFC 8410). */
export const EC_PARAMS_ED25519 = Uint8Array.of(0x06, 0x03, 0x2b, 0x65, 0x70);
/** The same curve as a PrintableString, as some v2.40-era modules write it ("edwards25519"). */
export const EC_PARAMS_ED25519_PRINTABLE = Uint8Array.of(
  0x13,
  0x0c,
  ...Array.from('edwards25519', (c) => c.charCodeAt(0)),
);

/** Default module: Debian's SoftHSM2 (package softhsm2). */
export const DEFAULT_PKCS11_MODULE = '/usr/lib/softhsm/libsofthsm2.so';
