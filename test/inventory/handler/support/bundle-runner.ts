/**
 * Runs the shipped bundle (assets/inventory-handler/index.js, made by `npm run build:assets`) the way Lambda
 * does: a fresh Node.js process per invocation, a context whose time runs out at a deadline. `runBoth` gives a
 * test the same call against the TypeScript source (in process) and the bundle, so a difference between the two
 * (a class duplicated by bundling, a lazily loaded module) fails the test.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { handler, HandlerResult } from '../../../../lib/inventory/handler/index';
import { lambdaContext } from '../helpers';

export const BUNDLE = join(__dirname, '../../../../assets/inventory-handler/index.js');

/** What an invocation ended with: a result, a thrown error, or neither (the promise never settled). */
export type Outcome =
  | { readonly kind: 'result'; readonly result: HandlerResult; readonly peakRssMiB?: number }
  | { readonly kind: 'error'; readonly message: string; readonly peakRssMiB?: number }
  | { readonly kind: 'unsettled'; readonly peakRssMiB?: number };

/** Invokes the bundled handler in a fresh process with `remainingMs` of time left. */
export function invokeBundle(
  event: unknown,
  remainingMs = 60_000,
  env: Record<string, string> = {},
  killAfterMs?: number,
): Promise<Outcome> {
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run 'npm run build:assets' first`);
  const script = `
    const m = require(${JSON.stringify(BUNDLE)});
    const deadline = Date.now() + ${remainingMs};
    const ctx = { awsRequestId: 'bundle-' + process.pid, getRemainingTimeInMillis: () => deadline - Date.now() };
    let settled = false;
    const peak = () => { try { const m = /VmHWM:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/self/status', 'utf8')); return m ? Math.round(Number(m[1]) / 1024) : undefined; } catch { return undefined; } };
    process.on('beforeExit', () => { if (!settled) { settled = true; process.stdout.write('\\n' + JSON.stringify({ kind: 'unsettled', peakRssMiB: peak() }) + '\\n'); } });
    m.handler(${JSON.stringify(event)}, ctx).then(
      (result) => { settled = true; process.stdout.write('\\n' + JSON.stringify({ kind: 'result', result, peakRssMiB: peak() }) + '\\n'); },
      (err) => { settled = true; process.stdout.write('\\n' + JSON.stringify({ kind: 'error', message: String(err && err.message), peakRssMiB: peak() }) + '\\n'); },
    );`;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-e', script],
      {
        env: { ...process.env, LOG_LEVEL: 'SILENT', ...env },
        maxBuffer: 64 * 1024 * 1024,
        // Lambda ends an invocation at its deadline: a process still running then is 'unsettled'.
        ...(killAfterMs ? { timeout: killAfterMs, killSignal: 'SIGKILL' as const } : {}),
      },
      (err, stdout, stderr) => {
        if (killAfterMs && (err as { killed?: boolean } | null)?.killed) {
          resolve({ kind: 'unsettled' });
          return;
        }
        const last = stdout.trim().split('\n').pop() ?? '';
        try {
          resolve(JSON.parse(last) as Outcome);
        } catch {
          reject(
            new Error(`bundle run ended without an outcome (${err?.message ?? 'exit 0'}): ${stderr.slice(0, 2000)}`),
          );
        }
      },
    );
  });
}

/** Invokes the source handler in this process; an invocation still pending after `settleMs` is 'unsettled'. */
export async function invokeSource(event: unknown, remainingMs = 60_000, settleMs = 30_000): Promise<Outcome> {
  const deadline = Date.now() + remainingMs;
  let timer: NodeJS.Timeout | undefined;
  const unsettled = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'unsettled' }), settleMs);
  });
  try {
    return await Promise.race([
      handler(
        event,
        lambdaContext(() => deadline - Date.now()),
      ).then(
        (result): Outcome => ({ kind: 'result', result }),
        (err: Error): Outcome => ({ kind: 'error', message: err.message }),
      ),
      unsettled,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export type Runtime = 'source' | 'bundle';
export const RUNTIMES: Runtime[] = ['source', 'bundle'];

/** Invokes the handler on `event` in the given runtime. */
export function invoke(runtime: Runtime, event: unknown, remainingMs = 60_000): Promise<Outcome> {
  return runtime === 'source' ? invokeSource(event, remainingMs) : invokeBundle(event, remainingMs);
}
