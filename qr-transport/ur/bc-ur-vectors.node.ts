/**
 * The Blockchain Commons and Jade vectors (../shared/vectors/bc-ur, see its README), typed for the
 * tests, and the vectors' `makeMessage` convention. Test support only: reads files via test-support.
 */
import { readVector } from '../../test-support/paths.js';
import { Xoshiro256 } from './xoshiro256.js';

export interface PartVector {
  readonly seqNum: number;
  readonly seqLen: number;
  readonly messageLen: number;
  readonly checksum: number;
  readonly dataHex: string;
  readonly cborHex: string;
}

export interface BcUrVectors {
  readonly crc32: readonly {
    readonly inputUtf8?: string;
    readonly inputHex?: string;
    readonly crc32Hex: string;
  }[];
  readonly sha256: readonly { readonly inputUtf8: string; readonly sha256Hex: string }[];
  readonly bytewords: {
    readonly wordList: readonly string[];
    readonly valid: readonly {
      readonly bytesHex: string;
      readonly standard: string;
      readonly uri?: string;
      readonly minimal: string;
      readonly crc32Hex?: string;
    }[];
    readonly invalid: readonly {
      readonly style: 'standard' | 'uri' | 'minimal';
      readonly text: string;
      readonly reason: string;
    }[];
  };
  readonly xoshiro256: readonly {
    readonly seed: string;
    readonly op: string;
    readonly count: number;
    readonly expected: readonly number[];
  }[];
  readonly xor: {
    readonly seed: string;
    readonly data1Hex: string;
    readonly data2Hex: string;
    readonly xorHex: string;
  };
  readonly randomSampler: {
    readonly probs: readonly number[];
    readonly seed: string;
    readonly count: number;
    readonly expected: readonly number[];
  };
  readonly findNominalFragmentLength: readonly {
    readonly messageLen: number;
    readonly minFragmentLen: number;
    readonly maxFragmentLen: number;
    readonly expected: number;
  }[];
  readonly shuffle: readonly {
    readonly values: readonly number[];
    readonly seed: string;
    readonly note: string;
    readonly expected: readonly (readonly number[])[];
  }[];
  readonly partition: {
    readonly messageLen: number;
    readonly minFragmentLen: number;
    readonly maxFragmentLen: number;
    readonly fragmentsHex: readonly string[];
    readonly messageHex: string;
  };
  readonly chooseDegree: readonly {
    readonly seqLen: number;
    readonly rng: string;
    readonly expected: readonly number[];
    readonly expectedHistogram?: readonly number[];
  }[];
  readonly chooseFragments: { readonly seqLen: number; readonly expected: readonly (readonly number[])[] };
  readonly partCbor: readonly PartVector[];
  readonly fountainEncoder: {
    readonly messageLen: number;
    readonly maxFragmentLen: number;
    readonly firstSeqNum: number;
    readonly messageHex: string;
    readonly parts: readonly PartVector[];
  };
  readonly singlePartUr: readonly {
    readonly ur: string;
    readonly type: string;
    readonly cborHex: string;
    readonly messageHex?: string;
    readonly messageLen?: number;
  }[];
  readonly illustrativeUrFromSpec: {
    readonly singlePart: string;
    readonly multiPart: string;
    readonly singlePartCborHex: string;
  };
  readonly multipartUr: {
    readonly type: string;
    readonly messageLen: number;
    readonly maxFragmentLen: number;
    readonly firstSeqNum: number;
    readonly parts: readonly string[];
    readonly cborHex: string;
    readonly messageHex: string;
  };
  readonly roundTripOnly: readonly {
    readonly what: string;
    readonly maxFragmentLen: number;
    readonly firstSeqNum: number;
  }[];
}

export interface PsbtInteropVectors {
  readonly cryptoPsbtSinglePart: readonly {
    readonly ur: string;
    readonly type: string;
    readonly cborHex: string;
    readonly psbtHex: string;
  }[];
  readonly cryptoPsbtMultiPart: {
    readonly type: string;
    readonly maxFragmentLen: number;
    readonly firstSeqNum: number;
    readonly parts: readonly string[];
    readonly cborHex: string;
    readonly psbtHex: string;
  };
  readonly mustReject: readonly { readonly text: string }[];
}

export const bcUr: BcUrVectors = readVector<BcUrVectors>('bc-ur/bc-ur_test_vectors.json');
export const psbtInterop: PsbtInteropVectors = readVector<PsbtInteropVectors>('bc-ur/ur_psbt_interop.json');

/** The vectors' makeMessage(n, seed): the first n bytes of Xoshiro256(seed).nextData. */
export function makeMessage(n: number, seed = 'Wolf'): Uint8Array {
  return Xoshiro256.fromString(seed).nextData(n);
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

export function fromHex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'hex'));
}
