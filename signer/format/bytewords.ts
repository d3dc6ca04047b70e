/**
 * The 256 Bytewords of Blockchain Commons (bcr-2020-012, "Bytewords"): index = byte value. Four-letter
 * English words, each unique in its first and last letters, chosen to be read aloud and compared. The
 * batch fingerprint spells digest bytes with them.
 *
 * One table for the whole project: it lives with the BC-UR codec (qr-transport/ur/bytewords.ts, which
 * sits below signer); fingerprint-bytewords.test.ts checks it against
 * ../shared/vectors/bc-ur/bc-ur_test_vectors.json `bytewords.wordList`.
 */
export { BYTEWORDS } from '../../qr-transport/ur/bytewords.js';
