/**
 * Final witnesses of the three input shapes, and an independent check of a finished witness
 * against the spent script, the way the script interpreter would run it.
 *
 *   p2wpkh          [sig, pubkey]                                   (BIP-141)
 *   p2wsh-multisig  [<empty>, sig_1 .. sig_m in key order, witnessScript]   (BIP-141, CHECKMULTISIG)
 *   p2tr key path   [sig]   (64 bytes for SIGHASH_DEFAULT, 65 with the type byte)   (BIP-341)
 *
 * Invariants: a multisig witness always includes the signing key's signature and exactly m
 * signatures (CHECKMULTISIG consumes m; the leading empty item is its extra pop, BIP-147 NULLDUMMY).
 * `checkWitness` trusts nothing built here: it re-derives the program from the witness, parses every
 * signature strictly, and verifies each against the input's digest.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { missingCaseError } from '../../errors.js';
import { equalBytes, hash160 } from './encoding.js';
import type { CosignerSignature, OwnedInput } from './inputs.js';
import { SIGHASH_ALL } from './sighash.js';
import { parseEcdsaWitnessSignature, verifyEcdsa, verifySchnorr } from './signatures.js';

/**
 * The final witness of `input` given Airlock's witness-encoded signature, or undefined when a
 * multisig still lacks cosigner signatures.
 */
export function finalWitness(
  input: OwnedInput,
  ourSignature: Uint8Array,
  ourPublicKey: Uint8Array,
): Uint8Array[] | undefined {
  switch (input.kind) {
    case 'p2wpkh':
      return [ourSignature, ourPublicKey];
    case 'p2tr':
      return [ourSignature];
    case 'p2wsh-multisig': {
      const { m, pubkeys } = input.multisig;
      const ours: CosignerSignature = { pubkey: ourPublicKey, signature: ourSignature };
      const others = pubkeys
        .map((k) => input.cosignerSignatures.find((s) => equalBytes(s.pubkey, k)))
        .filter((s): s is CosignerSignature => s !== undefined);
      if (others.length + 1 < m) return undefined;
      const chosen = [ours, ...others.slice(0, m - 1)];
      const position = (s: CosignerSignature) => pubkeys.findIndex((k) => equalBytes(k, s.pubkey));
      chosen.sort((a, b) => position(a) - position(b));
      return [new Uint8Array(0), ...chosen.map((s) => s.signature), input.witnessScript];
    }
    default:
      throw missingCaseError(input);
  }
}

/** Checks a finished witness of `input` against its digest; returns what is wrong, or undefined. */
export function checkWitness(
  input: OwnedInput,
  witness: readonly Uint8Array[],
  digest: Uint8Array,
): string | undefined {
  switch (input.kind) {
    case 'p2wpkh': {
      const [sig, pubkey] = witness;
      if (witness.length !== 2 || sig === undefined || pubkey === undefined)
        return 'expected 2 witness items';
      if (!equalBytes(input.script.subarray(2), hash160(pubkey)))
        return 'the public key does not hash to the program';
      const parsed = parseEcdsaWitnessSignature(sig);
      if (parsed === undefined || parsed.hashType !== SIGHASH_ALL)
        return 'the signature is not strict DER + SIGHASH_ALL';
      return verifyEcdsa(parsed.compact, digest, pubkey) ? undefined : 'the signature does not verify';
    }
    case 'p2tr': {
      const [sig] = witness;
      if (witness.length !== 1 || sig === undefined) return 'expected 1 witness item';
      const expectedLength = input.hashType === 0 ? 64 : 65;
      if (sig.length !== expectedLength)
        return `expected a ${expectedLength}-byte signature, found ${sig.length}`;
      if (sig.length === 65 && sig[64] !== input.hashType)
        return 'the signature hash type differs from the PSBT';
      if (!equalBytes(input.script.subarray(2), input.outputKey))
        return 'the output key differs from the spent script';
      return verifySchnorr(sig.subarray(0, 64), digest, input.outputKey)
        ? undefined
        : 'the signature does not verify';
    }
    case 'p2wsh-multisig': {
      const { m, pubkeys } = input.multisig;
      if (witness.length !== m + 2) return `expected ${m + 2} witness items, found ${witness.length}`;
      const script = witness[witness.length - 1]!;
      if (!equalBytes(input.script.subarray(2), sha256(script)))
        return 'the witnessScript does not hash to the program';
      if (!equalBytes(script, input.witnessScript)) return 'the witnessScript differs from the PSBT';
      if (witness[0]!.length !== 0) return 'the CHECKMULTISIG dummy item is not empty';
      // CHECKMULTISIG: each signature must match a later key than the previous signature did.
      let k = 0;
      for (const sig of witness.slice(1, -1)) {
        const parsed = parseEcdsaWitnessSignature(sig);
        if (parsed === undefined || parsed.hashType !== SIGHASH_ALL)
          return 'a signature is not strict DER + SIGHASH_ALL';
        while (k < pubkeys.length && !verifyEcdsa(parsed.compact, digest, pubkeys[k]!)) k++;
        if (k === pubkeys.length) return 'a signature matches no remaining key in script order';
        k++;
      }
      return undefined;
    }
    default:
      throw missingCaseError(input);
  }
}
