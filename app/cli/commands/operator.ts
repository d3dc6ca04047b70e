/**
 * `airlock operator enroll|list`: operators of the quorum. Enrolment generates the operator's
 * Ed25519 key `operator-<id>` on the operator's own card token (after C_Login with the card's PIN)
 * and a WebAuthn credential. No WebAuthn authenticator is attached to a CLI, so the credential is a
 * SOFTWARE AUTHENTICATOR FOR TESTS AND THE DEMO ONLY, persisted in the data directory (0600).
 *
 * The first operators are enrolled directly, before any policy exists (the key ceremony). Once a
 * policy is installed, enrolment is a governance motion the quorum must approve (governance.ts).
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { enrolAtCeremony } from '../../appliance/operator-enrolment.js';
import {
  checkOperatorId,
  createSoftwareAuthenticator,
  policyPath,
  SOFTWARE_AUTHENTICATOR_WARNING,
  softwareAuthenticatorPath,
} from '../../config/approvals.js';
import { readRegistry } from '../../config/registry.js';
import { type Command, out, UsageError } from '../command.js';
import { cliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { operatorKeyLabel } from '../operator-approval.js';
import { readPin } from '../pin.js';
import { proposeEnrolment, softwareCredentialForProposal } from './governance.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

export const operatorEnroll: Command = {
  name: 'operator enroll',
  usage: 'airlock operator enroll --id ID --role operator|admin --card-token LABEL [--pin-stdin]',
  summary: "enrol an operator: a key on the operator's card and a (software, tests/demo) WebAuthn credential",
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        id: { type: 'string' },
        role: { type: 'string' },
        'card-token': { type: 'string' },
        'pin-stdin': { type: 'boolean' },
      },
      strict: true,
    });
    const id = values.id;
    if (!id || !checkOperatorId(id))
      throw new UsageError('--id must be 1-32 characters of a-z 0-9 . _ -, starting with a letter or digit');
    const role = values.role;
    if (role !== 'operator' && role !== 'admin') throw new UsageError('--role must be operator or admin');
    const cardToken = values['card-token'];
    if (!cardToken) throw new UsageError('--card-token is required');
    const ctx = cliContext();
    if (cardToken === ctx.config.signingToken)
      throw new UsageError(`"${cardToken}" is the signing token, not an operator card`);
    // After the first policy, the quorum enrols: the card key and credential are made now, and a
    // motion carries the enrolment (governance.ts). Before it, the key ceremony enrols directly.
    if (existsSync(policyPath(ctx.layout))) {
      await proposeEnrolment(
        ctx,
        { id, role, cardToken },
        () => readPin(`User PIN of operator card "${cardToken}": `, values['pin-stdin'] === true),
        () => softwareCredentialForProposal(ctx, id),
      );
      return EXIT.OK;
    }
    const operator = await enrolAtCeremony(ctx, {
      enrolee: { id, role, cardToken },
      pin: () => readPin(`User PIN of operator card "${cardToken}": `, values['pin-stdin'] === true),
      credential: () => createSoftwareAuthenticator(ctx.layout, id).credential(),
      authenticator: SOFTWARE_AUTHENTICATOR_WARNING,
    });
    const key = { publicKey: operator.cardPublicKey };
    const tokenLabel = operator.cardToken;
    out(`enrolled ${role} ${id}: card "${tokenLabel}" key ${operatorKeyLabel(id)} ${hex(key.publicKey)}`);
    out(
      `  WebAuthn credential ${operator.webauthn.credentialId} (rpId ${operator.webauthn.rpId}): ` +
        `SOFTWARE AUTHENTICATOR FOR TESTS AND DEMO ONLY, key in ${softwareAuthenticatorPath(ctx.layout, id)}`,
    );
    return EXIT.OK;
  },
};

export const operatorList: Command = {
  name: 'operator list',
  usage: 'airlock operator list',
  summary: 'list the enrolled operators',
  async run(argv) {
    parseArgs({ args: argv, options: {}, strict: true });
    const registry = readRegistry(cliContext().layout);
    if (registry.operators.length === 0) out('no operators enrolled (airlock operator enroll ...)');
    for (const o of registry.operators)
      out(
        `${o.id}  ${o.role}  card "${o.cardToken}" ${hex(o.cardPublicKey)}  ` +
          `WebAuthn ${o.webauthn.credentialId} (rpId ${o.webauthn.rpId}, signCount ${o.webauthn.signCount})`,
      );
    return EXIT.OK;
  },
};
