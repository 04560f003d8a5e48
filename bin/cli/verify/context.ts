import type { AwsClients } from './aws';
import type { HttpGet } from './http';
import type { Clock } from './poll';
import type { Progress } from './progress';

/** Tunables for one verify run (all set from CLI flags, with defaults in `command.ts`). */
export interface VerifySettings {
  /** Run checks that write (the InventoryLoader smoke import). */
  readonly write: boolean;
  /** Lambda runtimes accepted for the InventoryLoader function. */
  readonly expectedRuntimes: readonly string[];
  /** Lambda architecture expected for the InventoryLoader function. */
  readonly expectedArchitecture: string;
  /** HTTP requests sent to a load balancer to observe distinct instances. */
  readonly requests: number;
  /** Per-request HTTP timeout. */
  readonly httpTimeoutMs: number;
  /** How long to keep retrying a URL until it answers 2xx (targets may still be registering). */
  readonly urlTimeoutMs: number;
  /** How long to wait for resources to settle (instances running, function active). */
  readonly waitTimeoutMs: number;
  /** How long to wait for the smoke import's report object. */
  readonly importTimeoutMs: number;
  /** Unique id for test data written by this run. */
  readonly runId: string;
}

/** Everything a pattern check needs, injected so checks are testable without AWS or real time. */
export interface VerifyContext {
  readonly clients: AwsClients;
  readonly httpGet: HttpGet;
  readonly clock: Clock;
  readonly progress: Progress;
  readonly settings: VerifySettings;
}
