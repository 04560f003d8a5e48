import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAwsClients } from '../../../bin/cli/verify/aws';
import type { VerifyContext, VerifySettings } from '../../../bin/cli/verify/context';
import { httpGet } from '../../../bin/cli/verify/http';
import type { Clock } from '../../../bin/cli/verify/poll';
import type { Progress } from '../../../bin/cli/verify/progress';

/** A clock whose sleep returns at once and advances `now`, recording every requested delay. */
export interface FakeClock extends Clock {
  readonly sleeps: number[];
}

export function fakeClock(onSleep?: (ms: number, index: number) => void | Promise<void>): FakeClock {
  let now = 1_000_000;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
      await onSleep?.(ms, sleeps.length - 1);
    },
  };
}

/** A Progress that records what it was told. */
export interface RecordingProgress extends Progress {
  readonly updates: string[];
  doneCalls: number;
}

export function recordingProgress(): RecordingProgress {
  const p: RecordingProgress = {
    updates: [],
    doneCalls: 0,
    update: (text) => p.updates.push(text),
    done: () => {
      p.doneCalls += 1;
    },
  };
  return p;
}

export const TEST_SETTINGS: VerifySettings = {
  write: true,
  expectedRuntimes: ['nodejs22.x', 'nodejs24.x'],
  expectedArchitecture: 'arm64',
  requests: 20,
  httpTimeoutMs: 2000,
  urlTimeoutMs: 60_000,
  waitTimeoutMs: 60_000,
  importTimeoutMs: 60_000,
  runId: 'test-run',
};

/**
 * A verify context with real SDK clients (stubbed by aws-sdk-client-mock in each test, or pointed at local
 * emulators), real HTTP, a fake clock and a recording progress.
 */
export function testContext(
  overrides: Partial<Omit<VerifyContext, 'settings'>> & { settings?: Partial<VerifySettings> } = {},
): VerifyContext & { clock: FakeClock; progress: RecordingProgress } {
  const { settings, ...rest } = overrides;
  return {
    clients: createAwsClients('us-east-1'),
    httpGet,
    clock: fakeClock(),
    progress: recordingProgress(),
    ...rest,
    settings: { ...TEST_SETTINGS, ...settings },
  } as VerifyContext & { clock: FakeClock; progress: RecordingProgress };
}

/** A real HTTP server on 127.0.0.1 and a free port. */
export interface LocalServer {
  readonly url: string;
  readonly requests: () => number;
  close(): Promise<void>;
}

export async function startServer(
  respond: (requestNumber: number) => { status: number; body: string },
): Promise<LocalServer> {
  let count = 0;
  const server = http.createServer((_req, res) => {
    count += 1;
    const { status, body } = respond(count);
    res.writeHead(status, { 'content-type': 'text/html' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests: () => count,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}

/** The page the HighlyAvailableFleet default user data serves: instance id and AZ. */
export const fleetPage = (instanceId: string, az = 'us-east-1a'): string =>
  `<html><body><h1>cdk-compute-patterns</h1><p>Instance ${instanceId} in ${az}</p></body></html>`;

/** A server that round-robins over instance ids, like an ALB over healthy targets. */
export const alternatingFleet =
  (...ids: string[]) =>
  (n: number) => ({
    status: 200,
    body: fleetPage(ids[(n - 1) % ids.length]),
  });

/** A loopback URL with nothing listening (connection refused). */
export async function deadUrl(): Promise<string> {
  const server = await startServer(() => ({ status: 200, body: '' }));
  const url = server.url;
  await server.close();
  return url;
}
