/**
 * An appliance and its online node for the e2e suite, set up exactly as the demo does it (the
 * `airlock` commands of app/cli/commands/demo.ts, each its own process, real SoftHSM2 tokens and
 * SQLite): key ceremony, custodian shares, coordinator, three operators (alice admin, bob, carol),
 * the sample policy. Then the online side builds a batch and shows it as an animated QR video (.y4m)
 * for Chromium's fake camera.
 *
 * The operators were enrolled on the command line, whose WebAuthn credential is the software
 * authenticator for tests and demo; `loadOperatorCredentials` moves each one into Chromium's virtual
 * authenticator (CDP WebAuthn.addCredential) so that the console's navigator.credentials.get is
 * answered by the browser's authenticator with user verification, as a platform authenticator would.
 */
import { createPrivateKey } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { p256 } from '@noble/curves/nist.js';
import type { CDPSession } from 'playwright-core';
import {
  buildDemoBatch,
  DEMO_OPERATORS,
  type DemoSetup,
  demoPin,
  installDemoPolicy,
  runStep,
  setUpDemo,
} from '../app/cli/commands/demo.js';
import { base64urlToBytes, bytesToBase64 } from '../app/common/ipc-contract.js';

export interface E2eAppliance extends DemoSetup {
  /** The USB stick's mount point. */
  readonly usbRoot: string;
  cardPin(operatorId: string): string;
  share(n: number): string;
  /** Run an `airlock` command; throws with its stderr when it fails. */
  run(home: string, args: string[], stdin?: string): string;
  /** Install the demo's first policy (after the operators are enrolled). */
  installPolicy(): void;
}

export function setUpE2eAppliance(root: string): E2eAppliance {
  const setup = setUpDemo(
    root,
    (home, args, stdin) => runStep(home, args, stdin),
    () => {},
  );
  const usbRoot = join(root, 'usb');
  mkdirSync(usbRoot, { recursive: true });
  return {
    ...setup,
    usbRoot,
    cardPin(operatorId) {
      const o = DEMO_OPERATORS.find((x) => x.id === operatorId);
      if (!o) throw new Error(`no demo operator ${operatorId}`);
      return demoPin(setup, o.card);
    },
    share: (n) => readFileSync(join(setup.custodians, `share-${n}-of-3.txt`), 'utf8').trim(),
    run: (home, args, stdin) => runStep(home, args, stdin),
    installPolicy: () => installDemoPolicy(setup, (home, args, stdin) => runStep(home, args, stdin)),
  };
}

/** The online node builds the sample batch (or `intents`) into `out`. */
export function onlineBatch(appliance: E2eAppliance, out: string, intents?: string): string {
  return buildDemoBatch(appliance, appliance.run, out, intents);
}

/** The online node's screen as a camera sees it: the batch as an animated QR video. */
export function batchVideo(appliance: E2eAppliance, batchFile: string, out: string): string {
  appliance.run(appliance.online, ['qr', 'encode', batchFile, '--out', out]);
  return out;
}

/** Put every demo operator's WebAuthn credential into the virtual authenticator. */
export async function loadOperatorCredentials(
  appliance: E2eAppliance,
  cdp: CDPSession,
  authenticatorId: string,
): Promise<void> {
  for (const o of DEMO_OPERATORS) {
    const file = join(appliance.appliance, 'software-authenticators', `${o.id}.json`);
    const stored = JSON.parse(readFileSync(file, 'utf8')) as {
      rpId: string;
      credentialId: string;
      secretKey: string;
      counter: number;
    };
    const d = Buffer.from(stored.secretKey, 'hex');
    const pub = p256.getPublicKey(d, false);
    const jwk = {
      kty: 'EC',
      crv: 'P-256',
      d: d.toString('base64url'),
      x: Buffer.from(pub.subarray(1, 33)).toString('base64url'),
      y: Buffer.from(pub.subarray(33)).toString('base64url'),
    };
    const pkcs8 = createPrivateKey({ key: jwk, format: 'jwk' }).export({ type: 'pkcs8', format: 'der' });
    await cdp.send('WebAuthn.addCredential', {
      authenticatorId,
      credential: {
        credentialId: bytesToBase64(base64urlToBytes(stored.credentialId)),
        isResidentCredential: false,
        rpId: stored.rpId,
        privateKey: pkcs8.toString('base64'),
        signCount: stored.counter,
      },
    });
  }
}
