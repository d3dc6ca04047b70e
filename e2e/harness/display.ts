/**
 * A display for Electron in the e2e suite: the one the environment has (DISPLAY), else a private Xvfb
 * (Debian package xvfb, installed by scripts/ensure-system.mjs) started on a free display number
 * (`-displayfd`) and stopped with the session. Chromium runs headless and needs none.
 */
import { type ChildProcess, spawn } from 'node:child_process';

export interface Display {
  readonly display: string;
  stop(): void;
}

export async function ensureDisplay(env: NodeJS.ProcessEnv = process.env): Promise<Display> {
  if (env.DISPLAY) return { display: env.DISPLAY, stop: () => {} };
  const xvfb: ChildProcess = spawn(
    'Xvfb',
    ['-displayfd', '3', '-screen', '0', '1366x768x24', '-nolisten', 'tcp'],
    {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    },
  );
  const number = await new Promise<string>((resolve, reject) => {
    let text = '';
    let errors = '';
    const timer = setTimeout(() => reject(new Error(`Xvfb did not start: ${errors}`)), 10_000);
    xvfb.stderr?.on('data', (d: Buffer) => {
      errors += d.toString();
    });
    xvfb.stdio[3]?.on('data', (d: Buffer) => {
      text += d.toString();
      if (text.includes('\n')) {
        clearTimeout(timer);
        resolve(text.trim());
      }
    });
    xvfb.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`Xvfb could not be run (${err.message}); install the xvfb package`));
    });
    xvfb.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Xvfb exited with ${code}: ${errors}`));
    });
  });
  return { display: `:${number}`, stop: () => xvfb.kill() };
}
