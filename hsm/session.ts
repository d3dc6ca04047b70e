/**
 * A PKCS#11 session on one token. Login state is the token's; `close()` logs out and closes.
 *
 * One operation in flight per session: PKCS#11 keeps one active sign/find operation per session,
 * so `run()` refuses to start a second one while the first has not returned (SessionBusyError)
 * instead of letting two callers interleave C_SignInit / C_Sign.
 */
import pkcs11js from 'pkcs11js';
import {
  PinIncorrectError,
  PinLockedError,
  Pkcs11CallError,
  SessionBusyError,
  SessionClosedError,
  toPkcs11Error,
} from './errors.js';
import type { Token } from './token.js';

export class Session {
  private busy = false;
  private closed = false;
  private loggedIn = false;

  constructor(
    readonly token: Token,
    /** CK_SESSION_HANDLE. */
    readonly handle: Buffer,
  ) {}

  get isLoggedIn(): boolean {
    return this.loggedIn;
  }

  /**
   * C_Login as the user. Throws PinLockedError if the token reports the PIN locked (before trying,
   * so a locked card is not hammered), PinIncorrectError with the token's PIN state after a wrong PIN.
   */
  login(pin: string): void {
    const tokenInfo = this.token.info();
    if (tokenInfo.pin.locked) throw new PinLockedError('C_Login', pkcs11js.CKR_PIN_LOCKED, tokenInfo.label);
    try {
      this.run('C_Login', (raw) => raw.C_Login(this.handle, pkcs11js.CKU_USER, pin));
    } catch (e) {
      if (!(e instanceof Pkcs11CallError)) throw e;
      if (e.ckr === 'CKR_USER_ALREADY_LOGGED_IN') {
        this.loggedIn = true;
        return;
      }
      if (e.ckr === 'CKR_PIN_INCORRECT') {
        throw new PinIncorrectError('C_Login', e.code, tokenInfo.label, this.token.info().pin);
      }
      if (e.ckr === 'CKR_PIN_LOCKED') throw new PinLockedError('C_Login', e.code, tokenInfo.label);
      throw e;
    }
    this.loggedIn = true;
  }

  logout(): void {
    if (!this.loggedIn) return;
    this.loggedIn = false;
    try {
      this.run('C_Logout', (raw) => raw.C_Logout(this.handle));
    } catch (err) {
      if (!(err instanceof Pkcs11CallError) || err.ckr !== 'CKR_USER_NOT_LOGGED_IN') throw err;
    }
  }

  /** Log out and close. Safe to call twice; never throws for a session the token already dropped. */
  close(): void {
    if (this.closed) return;
    try {
      this.logout();
    } catch {
      // The session may already be gone (token removed): closing below is what matters.
    }
    this.closed = true;
    try {
      this.token.module.raw.C_CloseSession(this.handle);
    } catch {
      // Already closed by the token; nothing left to release.
    }
  }

  /** Run one PKCS#11 operation on this session, exclusively. */
  run<T>(method: string, fn: (raw: pkcs11js.PKCS11, session: Buffer) => T): T {
    if (this.closed) throw new SessionClosedError();
    if (this.busy) throw new SessionBusyError();
    this.busy = true;
    try {
      return fn(this.token.module.raw, this.handle);
    } catch (err) {
      throw toPkcs11Error(err, method);
    } finally {
      this.busy = false;
    }
  }

  /** C_FindObjectsInit / C_FindObjects / C_FindObjectsFinal as one exclusive operation. */
  findObjects(template: pkcs11js.Template, max = 64): Buffer[] {
    return this.run('C_FindObjects', (raw, h) => {
      raw.C_FindObjectsInit(h, template);
      try {
        const found: Buffer[] = [];
        for (;;) {
          const batch = raw.C_FindObjects(h, max);
          found.push(...batch);
          if (batch.length < max) return found;
        }
      } finally {
        raw.C_FindObjectsFinal(h);
      }
    });
  }

  getAttributes(object: Buffer, types: readonly number[]): Map<number, Buffer> {
    const result = this.run('C_GetAttributeValue', (raw, h) =>
      raw.C_GetAttributeValue(
        h,
        object,
        types.map((type) => ({ type })),
      ),
    );
    return new Map(result.map((a) => [a.type, a.value]));
  }
}
