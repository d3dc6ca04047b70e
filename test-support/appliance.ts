/**
 * An appliance and its online node for the tests of the console, set up exactly as the demo does it
 * (the `airlock` commands of app/cli/commands/demo.ts, each its own process, real SoftHSM2 tokens and
 * SQLite): key ceremony, custodian shares, coordinator, three operators (alice admin, bob, carol) and
 * the sample policy. The online side builds batches and shows them as animated QR videos (.y4m) for
 * Chromium's fake camera.
 *
 * With `operators: false` the setup stops before the operators: the console's e2e suite enrols them
 * itself, registering their authenticators (Chromium's virtual one) with navigator.credentials.create,
 * then installs the policy.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildDemoBatch,
  DEMO_OPERATORS,
  type DemoSetup,
  demoPin,
  installDemoPolicy,
  runStep,
  setUpDemo,
} from '../app/cli/commands/demo.js';

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

/**
 * The appliance under `root`. With `operators: false` it stops before the operators and the policy:
 * the console enrols the operators with the browser's authenticator, then `installPolicy()`.
 */
export function setUpE2eAppliance(root: string, options: { operators?: boolean } = {}): E2eAppliance {
  const setup = setUpDemo(
    root,
    (home, args, stdin) => runStep(home, args, stdin),
    () => {},
    options,
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
