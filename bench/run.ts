/**
 * `npm run bench [-- name...]`: runs the benchmarks (all by default), writes bench/results/<name>.json
 * and prints a summary. Exit status is 0 even when a target is missed: the figures are the result;
 * docs/perf.md records them with this command.
 */
import { benchBatchPipeline } from './batch-pipeline.js';
import { benchHsmSign } from './hsm-sign.js';
import { benchLedgerAudit } from './ledger-audit.js';
import { benchPolicy } from './policy.js';
import { benchQrChannel } from './qr-channel.js';
import { type BenchResult, writeResult } from './report.js';

const BENCHMARKS: Record<string, () => Promise<BenchResult>> = {
  'hsm-sign': () => benchHsmSign(),
  'batch-pipeline': () => benchBatchPipeline(),
  policy: () => benchPolicy(),
  'ledger-audit': () => benchLedgerAudit(),
  'qr-channel': () => benchQrChannel(),
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const unknown = wanted.filter((w) => !(w in BENCHMARKS));
if (unknown.length) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`);
  process.exit(2);
}
for (const name of wanted.length ? wanted : Object.keys(BENCHMARKS)) {
  const result = await BENCHMARKS[name]!();
  const file = writeResult(result);
  console.log(`${result.name}: ${JSON.stringify(result.figures)}`);
  console.log(`  target: ${result.target.description}: ${result.target.met ? 'met' : 'NOT met'}  (${file})`);
}
