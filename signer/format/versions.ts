/**
 * Format strings and the versioning rule: a document's `format` member names its kind and major
 * version ("airlock.batch/v1"). A new major version is a new format string; a v1 reader refuses every
 * other string as UNSUPPORTED_VERSION, so a newer document is never half-understood by an older reader.
 * There are no minor versions: any change to the members or their meaning is a new major.
 */
import { refuse } from '../errors.js';
import { invalid } from './fields.js';

export const BATCH_FORMAT = 'airlock.batch/v1';
export const RESULT_FORMAT = 'airlock.result/v1';

const KNOWN: Readonly<Record<string, string>> = {
  [BATCH_FORMAT]: 'a batch',
  [RESULT_FORMAT]: 'a signed result',
};

/**
 * Read `format` first: everything else depends on it, so a v2 document is refused as
 * UNSUPPORTED_VERSION rather than as a v1 document with unknown members.
 */
export function checkFormat(document: Record<string, unknown>, expected: string, what: string): void {
  if (!Object.hasOwn(document, 'format')) {
    refuse('SCHEMA_INVALID', `format is missing: this is not an Airlock ${what}`, {
      field: 'format',
      expected: JSON.stringify(expected),
      found: 'nothing',
    });
  }
  const format = document.format;
  if (typeof format !== 'string')
    invalid({ field: 'format' }, 'must be a JSON string', JSON.stringify(expected), format);
  if (format !== expected) {
    const known = Object.hasOwn(KNOWN, format) ? ` (this is ${KNOWN[format]})` : '';
    refuse(
      'UNSUPPORTED_VERSION',
      `${what} format ${JSON.stringify(format)} is not one this reader accepts${known}`,
      {
        field: 'format',
        expected: JSON.stringify(expected),
        found: JSON.stringify(format),
      },
    );
  }
}
