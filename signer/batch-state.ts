/**
 * The life of a batch on the appliance (issue 4, item 8):
 *
 *   (none) → imported → reviewed → approved (quorum met) → signed → exported (→ exported again)
 *
 * Pure: the states are persisted by the replay ledger (`batch_events`, one row per step) and this
 * module says which steps are legal. A step that is not is refused with `ILLEGAL_BATCH_STEP`, naming
 * the state the batch is in. Looking at a batch again (review) never moves it back; an approval after
 * the batch was signed is refused: approvals die with the batch.
 */
import { RefusalError } from './errors.js';

export const BATCH_STATES = ['imported', 'reviewed', 'approved', 'signed', 'exported'] as const;
export type BatchState = (typeof BATCH_STATES)[number];

/** What happens to a batch. `approval` is one operator's approval (the quorum may not be met yet). */
export type BatchStep = 'import' | 'review' | 'approval' | 'quorum' | 'sign' | 'export';

/**
 * The state after `step` from `state` (undefined: the appliance has not seen the batch), or the same
 * state when the step changes nothing (a second review). Throws RefusalError('ILLEGAL_BATCH_STEP').
 */
export function nextBatchState(state: BatchState | undefined, step: BatchStep, batchId: string): BatchState {
  const from = state ?? 'unknown';
  const illegal = (why: string): never => {
    throw new RefusalError('ILLEGAL_BATCH_STEP', `batch ${batchId} is ${from}: ${why}`, {
      field: 'state',
      expected: expectedFor(step),
      found: from,
    });
  };
  switch (step) {
    case 'import':
      return state ?? 'imported';
    case 'review':
      if (state === undefined || state === 'imported') return 'reviewed';
      return state;
    case 'approval':
      if (state === 'reviewed' || state === 'approved') return state;
      if (state === undefined || state === 'imported')
        return illegal('it must be reviewed (airlock inspect) before anyone approves it');
      return illegal('approvals die with the batch once it is signed');
    case 'quorum':
      if (state === 'reviewed' || state === 'approved') return 'approved';
      if (state === undefined || state === 'imported')
        return illegal('it must be reviewed (airlock inspect) before it can be approved');
      return illegal('it is signed already');
    case 'sign':
      if (state === 'approved') return 'signed';
      if (state === 'signed' || state === 'exported') return illegal('it is signed already');
      return illegal('only a batch whose quorum approved it is signed');
    case 'export':
      if (state === 'signed' || state === 'exported') return 'exported';
      return illegal('only a signed batch is exported');
    default:
      return missingCase(step);
  }
}

function expectedFor(step: BatchStep): string {
  switch (step) {
    case 'import':
    case 'review':
      return 'any state';
    case 'approval':
    case 'quorum':
      return 'reviewed or approved';
    case 'sign':
      return 'approved';
    case 'export':
      return 'signed or exported';
    default:
      return missingCase(step);
  }
}

function missingCase(x: never): never {
  throw new TypeError(`unhandled batch step ${String(x)}`);
}
