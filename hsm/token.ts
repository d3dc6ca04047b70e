/**
 * A slot with a token in it: its description (label, serial, model, flags, PIN state) and the door
 * to sessions. Labels identify tokens: SoftHSM2 gives slots random ids.
 */
import pkcs11js from 'pkcs11js';
import type { PinState } from './errors.js';
import type { Pkcs11Module } from './module.js';
import { Session } from './session.js';

export interface TokenDescription {
  readonly slotId: string;
  readonly label: string;
  readonly manufacturer: string;
  readonly model: string;
  readonly serial: string;
  readonly flags: {
    readonly initialized: boolean;
    readonly loginRequired: boolean;
    readonly userPinInitialized: boolean;
    readonly writeProtected: boolean;
    readonly soPinLocked: boolean;
  };
  readonly pin: PinState;
  /** null where the token reports CK_UNAVAILABLE_INFORMATION; max 0 = no limit (CK_EFFECTIVELY_INFINITE). */
  readonly sessions: { readonly open: number | null; readonly max: number | null };
}

export function pinStateOf(flags: number): PinState {
  return {
    countLow: (flags & pkcs11js.CKF_USER_PIN_COUNT_LOW) !== 0,
    finalTry: (flags & pkcs11js.CKF_USER_PIN_FINAL_TRY) !== 0,
    locked: (flags & pkcs11js.CKF_USER_PIN_LOCKED) !== 0,
    toBeChanged: (flags & pkcs11js.CKF_USER_PIN_TO_BE_CHANGED) !== 0,
  };
}

/** CK_UNAVAILABLE_INFORMATION is ~0 in a CK_ULONG. */
function known(n: number): number | null {
  return n >= 0xffffffff ? null : n;
}

export class Token {
  constructor(
    readonly module: Pkcs11Module,
    /** The slot handle (CK_SLOT_ID). */
    readonly slot: Buffer,
  ) {}

  info(): TokenDescription {
    const info = this.module.call('C_GetTokenInfo', () => this.module.raw.C_GetTokenInfo(this.slot));
    const f = info.flags;
    return {
      slotId: this.slot.readBigUInt64LE(0).toString(),
      label: info.label.trim(),
      manufacturer: info.manufacturerID.trim(),
      model: info.model.trim(),
      serial: info.serialNumber.trim(),
      flags: {
        initialized: (f & pkcs11js.CKF_TOKEN_INITIALIZED) !== 0,
        loginRequired: (f & pkcs11js.CKF_LOGIN_REQUIRED) !== 0,
        userPinInitialized: (f & pkcs11js.CKF_USER_PIN_INITIALIZED) !== 0,
        writeProtected: (f & pkcs11js.CKF_WRITE_PROTECTED) !== 0,
        soPinLocked: (f & pkcs11js.CKF_SO_PIN_LOCKED) !== 0,
      },
      pin: pinStateOf(f),
      sessions: { open: known(info.sessionCount), max: known(info.maxSessionCount) },
    };
  }

  /** Mechanism ids (CKM_*) the token offers. */
  mechanisms(): number[] {
    return this.module.call('C_GetMechanismList', () => this.module.raw.C_GetMechanismList(this.slot));
  }

  /** Open a serial session, read-write when keys will be created. */
  openSession(options: { readWrite?: boolean } = {}): Session {
    const flags = pkcs11js.CKF_SERIAL_SESSION | (options.readWrite ? pkcs11js.CKF_RW_SESSION : 0);
    const handle = this.module.call('C_OpenSession', () => this.module.raw.C_OpenSession(this.slot, flags));
    return new Session(this, handle);
  }

  /**
   * Open a session, log in with the user PIN, run `fn`, then log out and close on every path.
   */
  async withSession<T>(
    pin: string,
    fn: (session: Session) => T | Promise<T>,
    options: { readWrite?: boolean } = {},
  ): Promise<T> {
    const session = this.openSession(options);
    try {
      session.login(pin);
      return await fn(session);
    } finally {
      session.close();
    }
  }
}
