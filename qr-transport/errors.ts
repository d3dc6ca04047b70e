/**
 * Typed errors of qr-transport. Scanning never throws (decoders report verdicts instead); these are
 * for the calls that can fail outright: encoding a payload that is too large, reading a USB file that
 * must be refused, asking for the result of an incomplete transfer.
 */

export class QrTransportError extends Error {
  constructor(
    /** A stable machine code, e.g. `UR_INVALID`, `USB_PATH_OUTSIDE_ROOT`. */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
