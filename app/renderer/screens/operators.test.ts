/** The enrolment form's check before anything is asked of the appliance (operators.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRequest } from '../../common/ipc-contract.js';
import { checkEnrolment, type EnrolmentInput, OPERATOR_ID_RE } from './operators.js';

const enrolled = [{ id: 'alice', cardToken: 'airlock-card-1' }];
const free = ['airlock-card-2', 'airlock-card-3'];
const good = { operatorId: 'bob', role: 'operator', cardToken: 'airlock-card-2', pin: '246810' };

describe('checkEnrolment', () => {
  it('gives the enrolment, the id trimmed, which the contract parses as an enrol-begin request', () => {
    const r = checkEnrolment({ ...good, operatorId: '  bob ' }, enrolled, free) as EnrolmentInput;
    assert.deepEqual(r, { operatorId: 'bob', role: 'operator', cardToken: 'airlock-card-2', pin: '246810' });
    const { pin: _pin, ...begin } = r;
    assert.deepEqual(parseRequest('operator:enrol-begin', begin), begin);
  });

  it('names the first field missing or wrong, in order', () => {
    const cases: [Partial<typeof good>, string, string, RegExp][] = [
      [{ operatorId: '' }, 'INPUT_MISSING', 'operatorId', /enter the new operator/],
      [{ operatorId: 'Bob' }, 'INPUT_INVALID', 'operatorId', /a-z 0-9/],
      [{ operatorId: '-bob' }, 'INPUT_INVALID', 'operatorId', /starting with a letter or digit/],
      [{ operatorId: 'b'.repeat(33) }, 'INPUT_INVALID', 'operatorId', /1-32/],
      [{ operatorId: 'alice' }, 'INPUT_INVALID', 'operatorId', /already enrolled/],
      [{ role: 'root' }, 'INPUT_INVALID', 'role', /operator or admin/],
      [{ cardToken: '' }, 'INPUT_MISSING', 'cardToken', /choose the operator’s card/],
      [{ cardToken: 'airlock-card-1' }, 'INPUT_INVALID', 'cardToken', /no longer a free operator card/],
      [{ pin: '' }, 'INPUT_MISSING', 'pin', /enter the card PIN/],
    ];
    for (const [change, code, field, message] of cases) {
      const r = checkEnrolment({ ...good, ...change }, enrolled, free);
      assert.ok('code' in r, `${JSON.stringify(change)} must be refused`);
      assert.equal(r.kind, 'invalid-request');
      assert.equal(r.code, code, JSON.stringify(change));
      assert.equal(r.field, field, JSON.stringify(change));
      assert.match(r.message, message);
    }
  });

  it('says no free card is present when there is none', () => {
    const r = checkEnrolment({ ...good, cardToken: '' }, enrolled, []);
    assert.ok('code' in r);
    assert.match(r.message, /no free operator card is present/);
  });

  it('accepts exactly the ids the contract accepts', () => {
    for (const id of [
      'a',
      '0',
      'alice',
      'ops.bob_2-x',
      'a'.repeat(32),
      'A',
      '.a',
      '_a',
      'a b',
      'é',
      'a'.repeat(33),
    ]) {
      let contract = true;
      try {
        parseRequest('operator:enrol-begin', { operatorId: id, role: 'admin', cardToken: 'airlock-card-1' });
      } catch {
        contract = false;
      }
      assert.equal(OPERATOR_ID_RE.test(id), contract, id);
      assert.equal(!('code' in checkEnrolment({ ...good, operatorId: id }, [], free)), contract, id);
    }
  });
});
