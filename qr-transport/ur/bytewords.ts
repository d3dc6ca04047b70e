/**
 * Bytewords (BCR-2020-012): bytes as four-letter English words, each unique in its first and last
 * letters, with the big-endian CRC-32 of the bytes appended as four more words. Three styles:
 * `standard` (words joined by spaces), `uri` (joined by hyphens) and `minimal` (first and last letter
 * of each word, no separator: the form UR bodies use).
 *
 * Decoding is case-insensitive (QR alphanumeric mode renders URs upper case), refuses any word that is
 * not a Byteword (for four-letter words the middle letters must match too), bodies shorter than one byte
 * plus the checksum, and a checksum that does not match.
 *
 * The word list is bcr-2020-012's "Word List" (index = byte value); bytewords.test.ts checks it against
 * ../shared/vectors/bc-ur. signer/format's batch fingerprint uses this same table (signer sits above
 * qr-transport, so it imports it from here).
 */
import { crc32Bytes } from './crc32.js';
import { UrError } from './errors.js';

// biome-ignore format: sixteen words a line, so a word's byte value can be read off the table
export const BYTEWORDS: readonly string[] = Object.freeze([
  'able', 'acid', 'also', 'apex', 'aqua', 'arch', 'atom', 'aunt', 'away', 'axis', 'back', 'bald', 'barn', 'belt', 'beta', 'bias',
  'blue', 'body', 'brag', 'brew', 'bulb', 'buzz', 'calm', 'cash', 'cats', 'chef', 'city', 'claw', 'code', 'cola', 'cook', 'cost',
  'crux', 'curl', 'cusp', 'cyan', 'dark', 'data', 'days', 'deli', 'dice', 'diet', 'door', 'down', 'draw', 'drop', 'drum', 'dull',
  'duty', 'each', 'easy', 'echo', 'edge', 'epic', 'even', 'exam', 'exit', 'eyes', 'fact', 'fair', 'fern', 'figs', 'film', 'fish',
  'fizz', 'flap', 'flew', 'flux', 'foxy', 'free', 'frog', 'fuel', 'fund', 'gala', 'game', 'gear', 'gems', 'gift', 'girl', 'glow',
  'good', 'gray', 'grim', 'guru', 'gush', 'gyro', 'half', 'hang', 'hard', 'hawk', 'heat', 'help', 'high', 'hill', 'holy', 'hope',
  'horn', 'huts', 'iced', 'idea', 'idle', 'inch', 'inky', 'into', 'iris', 'iron', 'item', 'jade', 'jazz', 'join', 'jolt', 'jowl',
  'judo', 'jugs', 'jump', 'junk', 'jury', 'keep', 'keno', 'kept', 'keys', 'kick', 'kiln', 'king', 'kite', 'kiwi', 'knob', 'lamb',
  'lava', 'lazy', 'leaf', 'legs', 'liar', 'limp', 'lion', 'list', 'logo', 'loud', 'love', 'luau', 'luck', 'lung', 'main', 'many',
  'math', 'maze', 'memo', 'menu', 'meow', 'mild', 'mint', 'miss', 'monk', 'nail', 'navy', 'need', 'news', 'next', 'noon', 'note',
  'numb', 'obey', 'oboe', 'omit', 'onyx', 'open', 'oval', 'owls', 'paid', 'part', 'peck', 'play', 'plus', 'poem', 'pool', 'pose',
  'puff', 'puma', 'purr', 'quad', 'quiz', 'race', 'ramp', 'real', 'redo', 'rich', 'road', 'rock', 'roof', 'ruby', 'ruin', 'runs',
  'rust', 'safe', 'saga', 'scar', 'sets', 'silk', 'skew', 'slot', 'soap', 'solo', 'song', 'stub', 'surf', 'swan', 'taco', 'task',
  'taxi', 'tent', 'tied', 'time', 'tiny', 'toil', 'tomb', 'toys', 'trip', 'tuna', 'twin', 'ugly', 'undo', 'unit', 'urge', 'user',
  'vast', 'very', 'veto', 'vial', 'vibe', 'view', 'visa', 'void', 'vows', 'wall', 'wand', 'warm', 'wasp', 'wave', 'waxy', 'webs',
  'what', 'when', 'whiz', 'wolf', 'work', 'yank', 'yawn', 'yell', 'yoga', 'yurt', 'zaps', 'zero', 'zest', 'zinc', 'zone', 'zoom',
]);

export type BytewordsStyle = 'standard' | 'uri' | 'minimal';

const A = 97;

/** (first letter, last letter) -> byte value, or -1: the two letters identify a word (bcr-2020-012). */
const BY_ENDS: Int16Array = (() => {
  const table = new Int16Array(26 * 26).fill(-1);
  BYTEWORDS.forEach((word, value) => {
    table[(word.charCodeAt(0) - A) * 26 + (word.charCodeAt(3) - A)] = value;
  });
  return table;
})();

const MINIMAL: readonly string[] = BYTEWORDS.map((w) => w[0]! + w[3]!);

/** `bytes` followed by their CRC-32, as Bytewords in `style`. */
export function encodeBytewords(bytes: Uint8Array, style: BytewordsStyle): string {
  const crc = crc32Bytes(bytes);
  const words: string[] = new Array(bytes.length + 4);
  const table = style === 'minimal' ? MINIMAL : BYTEWORDS;
  for (let i = 0; i < bytes.length; i++) words[i] = table[bytes[i]!]!;
  for (let i = 0; i < 4; i++) words[bytes.length + i] = table[crc[i]!]!;
  return words.join(style === 'standard' ? ' ' : style === 'uri' ? '-' : '');
}

/** Lower-case letter index 0..25 of an ASCII letter of either case, else -1. */
function letter(code: number): number {
  const lower = code | 0x20;
  return lower >= A && lower <= 122 && code >= 65 ? lower - A : -1;
}

function badWord(style: BytewordsStyle, position: number, word: string): UrError {
  const shown = word.length > 8 ? `${word.slice(0, 8)}…` : word;
  return new UrError(
    'UR_BYTEWORDS',
    `Bytewords (${style}): "${shown}" at word ${position + 1} is not a Byteword`,
  );
}

/**
 * Decodes Bytewords in `style` and checks the trailing CRC-32; returns the bytes before it.
 * Throws `UrError` `UR_BYTEWORDS` (not Bytewords, too short) or `UR_CHECKSUM`.
 */
export function decodeBytewords(text: string, style: BytewordsStyle): Uint8Array {
  if (typeof text !== 'string') throw new UrError('UR_ARGUMENT', '"text" expected a string');
  let buf: Uint8Array;
  if (style === 'minimal') {
    if (text.length % 2 !== 0) {
      throw new UrError(
        'UR_BYTEWORDS',
        `Bytewords (minimal): odd length ${text.length}, expected pairs of letters`,
      );
    }
    buf = new Uint8Array(text.length / 2);
    for (let i = 0; i < buf.length; i++) {
      const x = letter(text.charCodeAt(2 * i));
      const y = letter(text.charCodeAt(2 * i + 1));
      const value = x < 0 || y < 0 ? -1 : BY_ENDS[x * 26 + y]!;
      if (value < 0) throw badWord(style, i, text.slice(2 * i, 2 * i + 2));
      buf[i] = value;
    }
  } else if (style === 'standard' || style === 'uri') {
    const words = text.length === 0 ? [] : text.split(style === 'standard' ? ' ' : '-');
    buf = new Uint8Array(words.length);
    words.forEach((word, i) => {
      if (word.length !== 4) throw badWord(style, i, word);
      const x = letter(word.charCodeAt(0));
      const y = letter(word.charCodeAt(3));
      const value = x < 0 || y < 0 ? -1 : BY_ENDS[x * 26 + y]!;
      const expected = value < 0 ? '' : BYTEWORDS[value]!;
      if (
        value < 0 ||
        letter(word.charCodeAt(1)) !== expected.charCodeAt(1) - A ||
        letter(word.charCodeAt(2)) !== expected.charCodeAt(2) - A
      ) {
        throw badWord(style, i, word);
      }
      buf[i] = value;
    });
  } else {
    throw new UrError('UR_ARGUMENT', `"style" expected standard, uri or minimal, got ${String(style)}`);
  }
  if (buf.length < 5) {
    throw new UrError(
      'UR_BYTEWORDS',
      `Bytewords (${style}): ${buf.length} words, expected at least 5 (one byte and the 4-byte checksum)`,
    );
  }
  const body = buf.subarray(0, buf.length - 4);
  const crc = crc32Bytes(body);
  for (let i = 0; i < 4; i++) {
    if (crc[i] !== buf[body.length + i]) {
      throw new UrError(
        'UR_CHECKSUM',
        `Bytewords (${style}): checksum does not match (damaged or mistyped words)`,
      );
    }
  }
  return body.slice();
}
