/**
 * docs/policy.md stays true: its full example is the sample policy and has the digest printed, its
 * example decision is what the engine decides, and every refusal code has a row whose example message
 * is exactly what the code says in that situation.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../test-support/paths.js';
import { RefusalError } from '../errors.js';
import type { PolicyWithdrawal } from './batch.js';
import { policyDigestHex } from './digest.js';
import type { Policy } from './document.js';
import { evaluatePolicy, type PolicyContext } from './evaluate.js';
import {
  BTC,
  BTC_DENIED,
  BTC_NEW,
  BTC_PAID,
  batchOf,
  context,
  DAI_ASSET,
  ETH,
  ETH_NEW,
  ETH_PAID,
  history,
  samplePolicy,
  samplePolicyWire,
  USDC_ASSET,
  withdrawal,
} from './fixtures.js';
import { parsePolicy, readPolicy } from './parse.js';
import { acceptPolicyUpdate } from './update.js';
import { POLICY_VIOLATION_CODES, PolicyViolation, type PolicyViolationCode } from './violation.js';

const doc = readFileSync(join(repoRoot, 'docs', 'policy.md'), 'utf8');

/** The first ```json block after `heading`. */
function jsonAfter(heading: string): string {
  const at = doc.indexOf(heading);
  assert.ok(at >= 0, `docs/policy.md has "${heading}"`);
  const m = /```json\n([\s\S]*?)\n```/.exec(doc.slice(at));
  assert.ok(m !== null, `a json block after ${heading}`);
  return m[1]!;
}

const policy = samplePolicy();
const B = 100_000_000n;
const E = 10n ** 18n;

function run(ws: PolicyWithdrawal[], ctx: PolicyContext = context(), p: Policy = policy, createdAt?: Date) {
  const batch = batchOf(...ws);
  return evaluatePolicy(createdAt === undefined ? batch : { ...batch, createdAt }, p, ctx);
}

/** The situation of each example message in the doc's table. */
const SCENARIOS: Record<PolicyViolationCode, () => unknown> = {
  FROZEN: () => run([withdrawal('w1', 'bitcoin', BTC, 1_000n, BTC_PAID)], context({ frozen: true })),
  POLICY_NOT_EFFECTIVE: () =>
    run(
      [withdrawal('w1', 'bitcoin', BTC, 1_000n, BTC_PAID)],
      context({ now: new Date('2025-01-29T12:00:00Z') }),
    ),
  POLICY_ROLLBACK: () => acceptPolicyUpdate(policy, samplePolicy([['version'], 6])),
  CHAIN_NOT_ALLOWED: () =>
    run(
      [withdrawal('w2', 'ethereum', ETH, E, ETH_PAID)],
      context(),
      samplePolicy([['chains'], ['bitcoin']], [['tokenAllowlist'], []]),
    ),
  TOKEN_NOT_ALLOWED: () =>
    run([
      withdrawal(
        'w3',
        'ethereum',
        {
          kind: 'token',
          contract: '0xdac17f958d2ee523a2206206994597c13d831ec7',
          symbol: 'USDT',
          decimals: 6,
        },
        1_000_000n,
        ETH_PAID,
      ),
    ]),
  DESTINATION_DENIED: () => run([withdrawal('w4', 'bitcoin', BTC, 1_000n, BTC_DENIED)]),
  DESTINATION_NOT_ALLOWED: () =>
    run(
      [withdrawal('w5', 'ethereum', ETH, E, ETH_NEW)],
      context(),
      samplePolicy([['destinations', 'ethereum', 'allow'], [ETH_PAID]]),
    ),
  NO_PRICE: () => run([withdrawal('w6', 'ethereum', DAI_ASSET, E, ETH_PAID)]),
  PRICE_TABLE_STALE: () =>
    run([], context({ now: new Date('2025-02-01T09:30:00Z') }), policy, new Date('2025-02-01T09:29:00Z')),
  PER_WITHDRAWAL_LIMIT: () => run([withdrawal('w7', 'bitcoin', BTC, 30n * B, BTC_PAID)]),
  DAILY_LIMIT: () =>
    run(
      [withdrawal('w8', 'bitcoin', BTC, 8n * B, BTC_PAID)],
      context({ history: history({ 'bitcoin/native': 45n * B }) }),
    ),
  BATCH_TOTAL_LIMIT: () =>
    run([
      withdrawal('w9', 'bitcoin', BTC, 20n * B, BTC_PAID),
      withdrawal('w10', 'bitcoin', BTC, 25n * B, BTC_PAID),
    ]),
  FEE_CAP: () =>
    run([withdrawal('w11', 'ethereum', USDC_ASSET, 1_000_000n, ETH_PAID, 30_000_000_000_000_000n)]),
  BATCH_TOO_OLD: () => run([], context(), policy, new Date('2025-01-31T10:45:00Z')),
  APPROVALS_UNREACHABLE: () => run([withdrawal('w12', 'bitcoin', BTC, 21n * B, BTC_NEW)]),
};

test('the full example is the sample policy, and its digest is the one printed', () => {
  const p = readPolicy(jsonAfter('### Full example'));
  assert.deepEqual(p.wire, samplePolicyWire());
  assert.ok(doc.includes(`Policy digest of this example: \`${policyDigestHex(p)}\``));
});

test('every refusal code has a row whose example message is what the code says', () => {
  for (const code of POLICY_VIOLATION_CODES) {
    let thrown: unknown;
    try {
      SCENARIOS[code]();
    } catch (e) {
      thrown = e;
    }
    assert.ok(thrown instanceof PolicyViolation, `${code}: a PolicyViolation`);
    assert.equal(thrown.code, code);
    assert.ok(
      doc.includes(`| \`${code}\` | \`${thrown.message}\` |`),
      `docs/policy.md has the row of ${code}`,
    );
  }
});

test('the example decision is what the engine decides', () => {
  const d = run([
    withdrawal('w1', 'bitcoin', BTC, 10_000_000n, BTC_PAID),
    withdrawal('w2', 'ethereum', USDC_ASSET, 20_000_000_000n, ETH_PAID),
    withdrawal('w3', 'ethereum', ETH, E, ETH_NEW),
  ]);
  const { reasons, ...rest } = d;
  const printed = JSON.parse(jsonAfter('### The decision')) as Record<string, unknown>;
  delete printed.reasons;
  assert.deepEqual(printed, JSON.parse(JSON.stringify(rest)));
  const shown = reasons.filter((l) => /^(w2|w3|bitcoin\/native):/.test(l));
  assert.equal(shown.length, 3);
  for (const line of shown) assert.ok(doc.includes(`- \`${line}\``), `docs/policy.md shows: ${line}`);
  assert.ok(doc.includes(`- \`${reasons[0]!.replace(d.policyDigest, '6477…de6e')}\``));
});

test('the example document refusal is what the parser says', () => {
  let thrown: unknown;
  try {
    const wire = samplePolicyWire();
    (wire.tiers as { aboveUsd: string }[])[1]!.aboveUsd = '10000';
    parsePolicy(wire);
  } catch (e) {
    thrown = e;
  }
  assert.ok(thrown instanceof RefusalError);
  assert.ok(doc.includes(`- \`${thrown.message}\``));
});
