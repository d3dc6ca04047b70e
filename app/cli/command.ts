/** The shape of a CLI command and the usage error it raises. */
export interface Command {
  /** e.g. `hsm keygen`. */
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  run(argv: string[]): Promise<number>;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Print to stdout (results) — diagnostics go to stderr. */
export function out(line: string): void {
  process.stdout.write(`${line}\n`);
}
