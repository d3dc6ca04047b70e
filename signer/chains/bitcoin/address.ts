/**
 * Addresses of one network, both ways: the address of an output script, and the output script of
 * an address text. Only address kinds whose spending rules are known today are accepted: P2PKH and
 * P2SH (base58check), P2WPKH and P2WSH (bech32, witness v0), P2TR (bech32m, witness v1, 32 bytes).
 *
 * Specs: BIP-173 (bech32), BIP-350 (bech32m for witness v1+), base58check.
 * Invariants: a text decodes only with the given network's prefixes and a valid checksum; mixed
 * case is refused; v0 must be bech32 and v1 bech32m; P2A and witness v2..v16 are refused (anyone
 * can spend them today), and so is a P2TR output key that is not a curve point (no one ever can). The canonical form is re-encoded from the decoded script, so bech32 comes
 * back lower case, and `addressOfScript(decodeAddress(a).script)` is that canonical form.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { bech32, bech32m, createBase58check } from '@scure/base';
import { allNetworkParams, type BitcoinNetworkParams, OTHER_BECH32_HRPS } from './network.js';
import { classifyScript, isXOnlyPubkey } from './scripts.js';

const base58check = createBase58check(sha256);

export type AddressKind = 'p2pkh' | 'p2sh' | 'p2wpkh' | 'p2wsh' | 'p2tr';

export type AddressDecodeResult =
  | { readonly ok: true; readonly kind: AddressKind; readonly script: Uint8Array; readonly address: string }
  | { readonly ok: false; readonly reason: string };

/** The address of an output script on `net`, or undefined when the script has no accepted address. */
export function addressOfScript(
  script: Uint8Array,
  net: BitcoinNetworkParams,
): { readonly kind: AddressKind; readonly address: string } | undefined {
  const t = classifyScript(script);
  switch (t.type) {
    case 'p2pkh':
      return {
        kind: 'p2pkh',
        address: base58check.encode(concatBytes(Uint8Array.of(net.p2pkhVersion), t.hash)),
      };
    case 'p2sh':
      return {
        kind: 'p2sh',
        address: base58check.encode(concatBytes(Uint8Array.of(net.p2shVersion), t.hash)),
      };
    case 'p2wpkh':
    case 'p2wsh':
      return { kind: t.type, address: bech32.encode(net.hrp, [0, ...bech32.toWords(t.program)]) };
    case 'p2tr':
      // An output key that is no curve point burns the coins: no address, so never a payment.
      if (!isXOnlyPubkey(t.program)) return undefined;
      return { kind: 'p2tr', address: bech32m.encode(net.hrp, [1, ...bech32m.toWords(t.program)]) };
    default:
      return undefined;
  }
}

function fail(reason: string): AddressDecodeResult {
  return { ok: false, reason };
}

function ok(script: Uint8Array, net: BitcoinNetworkParams): AddressDecodeResult {
  const a = addressOfScript(script, net);
  // Unreachable for the scripts built below; kept so a template mismatch refuses instead of passing.
  if (a === undefined) return fail('the address decodes to a script without an accepted address');
  return { ok: true, kind: a.kind, script, address: a.address };
}

function decodeSegwit(lower: string, net: BitcoinNetworkParams): AddressDecodeResult {
  // Witness v0 uses the bech32 checksum, v1+ bech32m (BIP-350); try the one the version needs.
  const v0 = bech32.decodeUnsafe(lower, 90);
  const v1 = bech32m.decodeUnsafe(lower, 90);
  const decoded = v0 ?? v1;
  if (decoded === undefined) return fail('invalid bech32/bech32m checksum or characters');
  const [version, ...words] = decoded.words;
  if (version === undefined) return fail('the address has no witness version');
  if (version > 16) return fail(`invalid witness version ${version}`);
  if (version === 0 && v0 === undefined)
    return fail('witness v0 must use the bech32 checksum, not bech32m (BIP-350)');
  if (version !== 0 && v1 === undefined)
    return fail(`witness v${version} must use the bech32m checksum (BIP-350)`);
  const program = bech32.fromWordsUnsafe(words);
  if (program === undefined) return fail('invalid padding in the witness program');
  if (version === 0) {
    if (program.length !== 20 && program.length !== 32)
      return fail(`witness v0 program must be 20 or 32 bytes, found ${program.length}`);
    return ok(concatBytes(Uint8Array.of(0x00, program.length), program), net);
  }
  if (version === 1 && program.length === 32) {
    if (!isXOnlyPubkey(program))
      return fail('the taproot output key is not a valid curve point: coins sent there could never be spent');
    return ok(concatBytes(Uint8Array.of(0x51, 32), program), net);
  }
  return fail(
    `witness v${version} program of ${program.length} bytes has no spending rules Airlock accepts (anyone could spend it)`,
  );
}

function decodeBase58(text: string, net: BitcoinNetworkParams): AddressDecodeResult {
  let payload: Uint8Array;
  try {
    payload = base58check.decode(text);
  } catch {
    return fail('not a valid bech32 or base58check address (bad characters or checksum)');
  }
  if (payload.length !== 21) return fail(`base58check payload must be 21 bytes, found ${payload.length}`);
  const version = payload[0]!;
  const hash = payload.slice(1);
  if (version === net.p2pkhVersion)
    return ok(concatBytes(Uint8Array.of(0x76, 0xa9, 20), hash, Uint8Array.of(0x88, 0xac)), net);
  if (version === net.p2shVersion)
    return ok(concatBytes(Uint8Array.of(0xa9, 20), hash, Uint8Array.of(0x87)), net);
  const other = allNetworkParams().find(
    (p) => p !== net && (p.p2pkhVersion === version || p.p2shVersion === version),
  );
  if (other !== undefined) return fail(`this is a ${other.name} address, not ${net.name}`);
  return fail(`unknown base58 version byte 0x${version.toString(16).padStart(2, '0')}`);
}

/** Decodes an address text of `net`; never throws. */
export function decodeAddress(text: string, net: BitcoinNetworkParams): AddressDecodeResult {
  if (typeof text !== 'string') return fail(`expected a string, found ${typeof text}`);
  if (text.length === 0) return fail('the address is empty');
  if (text.length > 90) return fail(`the address is ${text.length} characters long, at most 90 are valid`);
  const lower = text.toLowerCase();
  const sep = lower.lastIndexOf('1');
  const hrp = sep > 0 ? lower.slice(0, sep) : '';
  if (hrp === net.hrp) {
    if (text !== lower && text !== text.toUpperCase()) return fail('mixed-case bech32 address (BIP-173)');
    return decodeSegwit(lower, net);
  }
  const otherNet = allNetworkParams().find((p) => p !== net && p.hrp === hrp);
  if (otherNet !== undefined) return fail(`this is a ${otherNet.name} address, not ${net.name}`);
  const otherName = OTHER_BECH32_HRPS[hrp];
  if (otherName !== undefined) return fail(`this is a ${otherName} address, not ${net.name}`);
  return decodeBase58(text, net);
}
