/** Benchmark results: one JSON file per benchmark in bench/results/, plus a line for docs/perf.md. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../test-support/paths.js';

export interface BenchResult {
  readonly name: string;
  readonly command: string;
  readonly params: Record<string, unknown>;
  readonly figures: Record<string, number>;
  readonly target: { readonly description: string; readonly met: boolean };
  readonly rounds?: Record<string, number[]>;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function writeResult(result: BenchResult): string {
  const dir = join(repoRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${result.name}.json`);
  writeFileSync(
    file,
    `${JSON.stringify({ ...result, date: new Date().toISOString(), node: process.version }, null, 2)}\n`,
  );
  return file;
}
