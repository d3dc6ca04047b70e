/** Paths tests need, found from the compiled file's location (tests run from dist/). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRepoRoot(start: string): string {
  let dir = start;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'airlock') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no airlock package.json above ${start}`);
    dir = up;
  }
}

export const repoRoot: string = findRepoRoot(dirname(fileURLToPath(import.meta.url)));

/** External vectors: `../shared/vectors/` beside the clone (see its README). */
export const vectorsDir: string = process.env.AIRLOCK_VECTORS ?? resolve(repoRoot, '..', 'shared', 'vectors');

export function readVector<T = unknown>(relativePath: string): T {
  return JSON.parse(readFileSync(join(vectorsDir, relativePath), 'utf8')) as T;
}
