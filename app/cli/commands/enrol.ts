/**
 * Enrolment on the appliance (registry.json): signing keys read back from the token, the appliance
 * result key, coordinator keys, ERC-20 allowlist; and the public export the online node reads.
 * (The quorum issue puts these under M-of-N approval and the audit log.)
 */

import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readPublicKey } from '../../../hsm/index.js';
import type { Network } from '../../../signer/chains/adapter.js';
import {
  emptyRegistry,
  type Registry,
  readRegistry,
  registryPath,
  registryToJson,
  writeRegistry,
} from '../../config/registry.js';
import { audit, openLedger } from '../../config/stores.js';
import { type Command, out, UsageError } from '../command.js';
import { cliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { writeNewFileAtomic } from '../files.js';

function loadOrCreate(network: string | undefined): Registry {
  const ctx = cliContext();
  if (existsSync(registryPath(ctx.layout))) {
    const r = readRegistry(ctx.layout);
    if (network !== undefined && network !== r.network)
      throw new UsageError(`the registry is for ${r.network}; --network ${network} cannot change it`);
    return r;
  }
  if (network !== 'mainnet' && network !== 'testnet')
    throw new UsageError('a new registry needs --network mainnet|testnet');
  return emptyRegistry(network as Network);
}

export const enrolKeys: Command = {
  name: 'enrol keys',
  usage:
    'airlock enrol keys --labels L1,L2,... --appliance-key LABEL [--network mainnet|testnet] [--token T]',
  summary: 'record signing keys and the appliance result key, read back from the signing token',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        labels: { type: 'string' },
        'appliance-key': { type: 'string' },
        network: { type: 'string' },
        token: { type: 'string' },
      },
      strict: true,
    });
    if (!values.labels) throw new UsageError('--labels is required');
    if (!values['appliance-key']) throw new UsageError('--appliance-key is required');
    const ctx = cliContext();
    const registry = loadOrCreate(values.network);
    const session = ctx.token(values.token).openSession();
    try {
      const labels = values.labels
        .split(',')
        .map((l) => l.trim())
        .filter(Boolean);
      const keys = labels.map((label) => readPublicKey(session, label));
      const appliance = readPublicKey(session, values['appliance-key']);
      if (appliance.curve !== 'ed25519')
        throw new UsageError(
          `the appliance key "${appliance.label}" must be ed25519, it is ${appliance.curve}`,
        );
      const kept = registry.signingKeys.filter((k) => !labels.includes(k.label));
      const next: Registry = {
        ...registry,
        signingKeys: [
          ...kept,
          ...keys.map((k) => ({ label: k.label, curve: k.curve, publicKey: k.publicKey })),
        ],
        applianceKey: { keyId: appliance.label, publicKey: appliance.publicKey },
      };
      writeRegistry(ctx.layout, next);
      // First setup creates the replay ledger and the audit log beside the registry.
      openLedger(ctx.layout, true).close();
      audit(
        ctx.layout,
        {
          action: 'enrolment',
          payload: {
            signingKeys: keys.map((k) => ({
              label: k.label,
              curve: k.curve,
              publicKey: Buffer.from(k.publicKey).toString('hex'),
            })),
            applianceKey: {
              keyId: appliance.label,
              publicKey: Buffer.from(appliance.publicKey).toString('hex'),
            },
            network: next.network,
          },
        },
        true,
      );
      for (const k of keys)
        out(`enrolled ${k.label} (${k.curve}) ${Buffer.from(k.publicKey).toString('hex')}`);
      out(`appliance key ${appliance.label} ${Buffer.from(appliance.publicKey).toString('hex')}`);
    } finally {
      session.close();
    }
    return EXIT.OK;
  },
};

export const enrolCoordinator: Command = {
  name: 'enrol coordinator',
  usage: 'airlock enrol coordinator --key-id ID --public-key HEX',
  summary: 'accept batches signed by this coordinator key (Ed25519)',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { 'key-id': { type: 'string' }, 'public-key': { type: 'string' } },
      strict: true,
    });
    const keyId = values['key-id'];
    const pub = values['public-key']?.toLowerCase();
    if (!keyId || !/^[A-Za-z0-9._:-]{1,64}$/.test(keyId))
      throw new UsageError('--key-id must be 1-64 characters of A-Z a-z 0-9 . _ : -');
    if (!pub || !/^[0-9a-f]{64}$/.test(pub))
      throw new UsageError('--public-key must be a 32-byte Ed25519 key as 64 hex digits');
    const ctx = cliContext();
    const registry = readRegistry(ctx.layout);
    writeRegistry(ctx.layout, {
      ...registry,
      coordinators: [
        ...registry.coordinators.filter((c) => c.keyId !== keyId),
        { keyId, publicKey: Uint8Array.from(Buffer.from(pub, 'hex')) },
      ],
    });
    audit(ctx.layout, { action: 'enrolment', payload: { coordinator: { keyId, publicKey: pub } } }, true);
    out(`enrolled coordinator ${keyId}`);
    return EXIT.OK;
  },
};

export const enrolToken: Command = {
  name: 'enrol token',
  usage: 'airlock enrol token --contract 0x... --symbol SYM --decimals N',
  summary: 'allow ERC-20 transfers of this contract',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { contract: { type: 'string' }, symbol: { type: 'string' }, decimals: { type: 'string' } },
      strict: true,
    });
    const contract = values.contract?.toLowerCase();
    if (!contract || !/^0x[0-9a-f]{40}$/.test(contract))
      throw new UsageError('--contract must be 0x and 40 hex digits');
    if (!values.symbol || !/^[A-Za-z0-9.]{1,16}$/.test(values.symbol))
      throw new UsageError('--symbol must be 1-16 letters or digits');
    const decimals = Number(values.decimals);
    if (!Number.isInteger(decimals) || decimals < 0 || decimals > 36)
      throw new UsageError('--decimals must be an integer 0..36');
    const ctx = cliContext();
    const registry = readRegistry(ctx.layout);
    writeRegistry(ctx.layout, {
      ...registry,
      ethereum: {
        ...registry.ethereum,
        tokens: [
          ...registry.ethereum.tokens.filter((t) => t.contract !== contract),
          { contract, symbol: values.symbol, decimals },
        ],
      },
    });
    audit(
      ctx.layout,
      { action: 'enrolment', payload: { token: { contract, symbol: values.symbol, decimals } } },
      true,
    );
    out(`allowlisted ${values.symbol} ${contract}`);
    return EXIT.OK;
  },
};

export const registryExport: Command = {
  name: 'registry export',
  usage: 'airlock registry export --out FILE',
  summary: 'write the public registry (keys, appliance key, network, allowlist) for the online node',
  async run(argv) {
    const { values } = parseArgs({ args: argv, options: { out: { type: 'string' } }, strict: true });
    if (!values.out) throw new UsageError('--out is required');
    const registry = readRegistry(cliContext().layout);
    writeNewFileAtomic(values.out, `${JSON.stringify(registryToJson(registry), null, 2)}\n`);
    out(`wrote ${values.out}`);
    return EXIT.OK;
  },
};
