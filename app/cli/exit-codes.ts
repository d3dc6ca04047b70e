/** Stable exit codes of the `airlock` command (documented in README.md). */
export const EXIT = {
  OK: 0,
  /** An unexpected failure (a bug or the environment). */
  INTERNAL: 1,
  /** Wrong command line. */
  USAGE: 2,
  /** A batch, result or document was refused (RefusalError). */
  REFUSED: 3,
  /** The HSM/token failed or is missing. */
  HSM: 4,
  /** Wrong or locked PIN. */
  PIN: 5,
  /** Bad configuration or data directory. */
  CONFIG: 6,
} as const;
