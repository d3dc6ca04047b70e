/**
 * `airlock policy set|show`: the appliance's policy document (docs/policy.md), stored as received in
 * `$AIRLOCK_HOME/policy.json`. `set` installs the first policy only: every later change needs the
 * quorum (`policy propose` / `policy approve`, issue 4), so a second `set` is refused.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { AirlockError } from '../../../signer/errors.js';
import { POLICY_LIMITS, type Policy, policyDigestHex, readPolicy } from '../../../signer/policy/index.js';
import { violate } from '../../../signer/policy/violation.js';
import { loadPolicy, policyPath } from '../../config/approvals.js';
import { audit } from '../../config/stores.js';
import { type Command, out, UsageError } from '../command.js';
import { cliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { readInputFile, writeNewFileAtomic } from '../files.js';

/** A policy is installed already: changing it needs the quorum. */
export class PolicyChangeNeedsQuorumError extends AirlockError {
  override readonly name = 'PolicyChangeNeedsQuorumError';
}

function hoursText(ms: number): string {
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

export function policySummary(policy: Policy, now: Date): string[] {
  const table = policy.priceTable;
  const age = now.getTime() - table.asOf.getTime();
  return [
    `policy v${policy.version}  digest ${policyDigestHex(policy)}  effective from ${policy.effectiveFrom.toISOString()}`,
    `approvals: ${policy.approvals.default} of ${policy.approvals.operators} operators by default` +
      policy.tiers.map((t, i) => `; tier ${i + 1}: ${t.approvals} above ${t.aboveUsdText} USD`).join('') +
      `; +${policy.newDestinationExtraApprovals} for a destination never paid before`,
    `price table of ${table.asOf.toISOString()} (${hoursText(age)} old, at most ${table.maxAgeHours} h): ` +
      [...table.priceTexts].map(([k, p]) => `${k} ${p} USD`).join(', '),
    `chains: ${[...policy.chains].join(', ')}; tokens: ${[...policy.tokenAllowlist].join(', ') || 'none'}; ` +
      `batches at most ${policy.maxBatchAgeMinutes} min old`,
  ];
}

export const policySet: Command = {
  name: 'policy set',
  usage: 'airlock policy set <policy.json>',
  summary: 'install the first policy (later changes need the quorum: policy propose/approve)',
  async run(argv) {
    const { positionals } = parseArgs({ args: argv, options: {}, allowPositionals: true, strict: true });
    if (positionals.length !== 1) throw new UsageError('give exactly one policy file');
    const ctx = cliContext();
    const path = policyPath(ctx.layout);
    if (existsSync(path)) {
      const installed = loadPolicy(ctx.layout);
      throw new PolicyChangeNeedsQuorumError(
        `policy v${installed.version} is installed already; a policy change needs the quorum ` +
          '(airlock policy propose / policy approve, the quorum issue), not policy set',
      );
    }
    const bytes = readInputFile(positionals[0]!, POLICY_LIMITS.maxPolicyBytes);
    const policy = readPolicy(bytes);
    const now = new Date();
    const table = policy.priceTable;
    const age = now.getTime() - table.asOf.getTime();
    // A stale price table would refuse every batch; refuse it here, where it is still easy to fix.
    if (age > table.maxAgeHours * 3_600_000)
      violate(
        'PRICE_TABLE_STALE',
        `the price table of ${table.asOf.toISOString()} is ${hoursText(age)} old; install a policy with fresh prices`,
        {
          rule: 'priceTable.maxAgeHours',
          limit: `at most ${table.maxAgeHours} h old`,
          found: `${hoursText(age)} old`,
        },
      );
    writeNewFileAtomic(path, bytes);
    const digest = policyDigestHex(policy);
    audit(ctx.layout, {
      action: 'policy-change',
      payload: {
        version: policy.version,
        digest,
        effectiveFrom: policy.effectiveFrom.toISOString(),
        priceTableAsOf: table.asOf.toISOString(),
        first: true,
      },
    });
    out(`installed policy v${policy.version} (digest ${digest}) -> ${path}`);
    for (const line of policySummary(policy, now)) out(`  ${line}`);
    return EXIT.OK;
  },
};

export const policyShow: Command = {
  name: 'policy show',
  usage: 'airlock policy show [--json]',
  summary: 'show the installed policy (or its document with --json)',
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean' } }, strict: true });
    const policy = loadPolicy(cliContext().layout);
    if (values.json) out(JSON.stringify(policy.wire, null, 2));
    else for (const line of policySummary(policy, new Date())) out(line);
    return EXIT.OK;
  },
};
