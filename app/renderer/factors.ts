/**
 * One operator's two factors, the same on every screen that asks for them (batch approval, motion
 * approval, freeze): the card PIN field, and the submit that reads the PIN once (clearing the field at
 * once), asks the operator's authenticator for the WebAuthn assertion over the challenge, sends both
 * on the screen's channel, and shows any failure in the screen's error slot. The PIN is dropped on
 * every outcome and the field is left empty.
 */
import type { ChallengeView, IpcResult, WebAuthnAssertionWire } from '../common/ipc-contract.js';
import { busy, h } from './dom.js';
import type { ErrorSlot } from './error-panel.js';
import { toErrorView } from './errors.js';
import { getAssertion } from './webauthn.js';

/** The card PIN field (a password input the browser never remembers). */
export function cardPinInput(testid: string): HTMLInputElement {
  return h('input', {
    type: 'password',
    autocomplete: 'off',
    testid,
    name: 'card-pin',
    inputmode: 'numeric',
    spellcheck: 'false',
    required: true,
  }) as HTMLInputElement;
}

export interface FactorSubmission<T> {
  readonly challenge: ChallengeView;
  readonly pinInput: HTMLInputElement;
  readonly button: HTMLButtonElement;
  /** The live line that says what is happening. */
  readonly step: HTMLElement;
  readonly errors: ErrorSlot;
  /** Named with an error: "approval by bob", "freeze". */
  readonly context: string;
  /** The step line after a failure: "Not approved.", "Not frozen.". */
  readonly failed: string;
  /** Send the PIN and the assertion on the screen's channel. */
  send(pin: string, assertion: WebAuthnAssertionWire): Promise<IpcResult<T>>;
}

/** Both factors, sent; the answer's value, or null after the failure was shown. */
export async function submitFactors<T>(s: FactorSubmission<T>): Promise<T | null> {
  s.errors.clear();
  let pin: string | null = s.pinInput.value;
  s.pinInput.value = '';
  if (pin.length === 0) {
    s.errors.show({
      kind: 'invalid-request',
      code: 'INPUT_MISSING',
      message: 'enter the card PIN',
      field: 'pin',
    });
    s.pinInput.focus();
    return null;
  }
  return busy(s.button, async () => {
    try {
      s.step.textContent = `Touch the authenticator of ${s.challenge.operatorId}…`;
      const assertion = await getAssertion(s.challenge);
      s.step.textContent = 'Checking the card signature and the assertion…';
      const r = await s.send(pin as string, assertion);
      pin = null;
      if (r.ok) return r.value;
      s.step.textContent = s.failed;
      s.errors.show(r.error, s.context);
    } catch (err) {
      s.step.textContent = s.failed;
      s.errors.show(toErrorView(err), s.context);
    } finally {
      pin = null;
      s.pinInput.value = '';
    }
    s.pinInput.focus();
    return null;
  });
}
