import { E2E_USAGE, E2eDeps, runE2e } from '../../scripts/e2e';

interface Recorder {
  deps: E2eDeps;
  calls: string[];
  logs: string[];
  errors: string[];
  removed: () => boolean;
}

/** Injected runner: records every command; exit codes per step are configurable. */
function recorder(
  codes: { preflight?: number; deploy?: number; verify?: number; destroy?: number } = {},
  overrides: Partial<E2eDeps> = {},
): Recorder {
  const calls: string[] = [];
  const logs: string[] = [];
  const errors: string[] = [];
  let removed = false;
  return {
    calls,
    logs,
    errors,
    removed: () => removed,
    deps: {
      run: async (command, args) => {
        calls.push([command, ...args].join(' '));
        return args[1] === 'deploy' ? (codes.deploy ?? 0) : (codes.destroy ?? 0);
      },
      preflight: async (args) => {
        calls.push(`preflight ${args.join(' ')}`.trimEnd());
        return codes.preflight ?? 0;
      },
      verify: async (args) => {
        calls.push(`verify ${args.join(' ')}`);
        return codes.verify ?? 0;
      },
      credentials: async () => ({ accessKeyId: 'AKIA', secretAccessKey: 'secret' }),
      tempDir: async () => ({
        path: '/tmp/e2e-scratch',
        remove: async () => {
          removed = true;
        },
      }),
      log: (line) => logs.push(line),
      error: (line) => errors.push(line),
      ...overrides,
    },
  };
}

const PREFLIGHT = 'preflight --pattern WebFleet';
const DEPLOY =
  'npx cdk deploy WebFleet --require-approval never --context deletionProtection=false --outputs-file /tmp/e2e-scratch/cdk-outputs.json';
const VERIFY = 'verify --outputs-file /tmp/e2e-scratch/cdk-outputs.json --stack WebFleet';
const DESTROY = 'npx cdk destroy WebFleet --force';

describe('npm run e2e', () => {
  test('runs preflight for the pattern of the stack, then deploys, verifies and destroys', async () => {
    const r = recorder();
    await expect(runE2e(['WebFleet'], r.deps)).resolves.toBe(0);
    expect(r.calls).toEqual([PREFLIGHT, DEPLOY, VERIFY, DESTROY]);
    expect(r.logs.at(-1)).toBe('e2e: WebFleet PASSED');
    expect(r.removed()).toBe(true);
  });

  test('--keep skips the destroy', async () => {
    const r = recorder();
    await expect(runE2e(['WebFleet', '--keep'], r.deps)).resolves.toBe(0);
    expect(r.calls).toEqual([PREFLIGHT, DEPLOY, VERIFY]);
    expect(r.logs).toContain(
      'e2e: --keep given; WebFleet left deployed. Remove it with: npx cdk destroy WebFleet --force',
    );
  });

  test('--no-write is passed to verify', async () => {
    const r = recorder();
    await runE2e(['WebFleet', '--no-write'], r.deps);
    expect(r.calls[2]).toBe(`${VERIFY} --no-write`);
  });

  test('fails with the verify exit code and still destroys when verification fails', async () => {
    const r = recorder({ verify: 1 });
    await expect(runE2e(['WebFleet'], r.deps)).resolves.toBe(1);
    expect(r.calls).toEqual([PREFLIGHT, DEPLOY, VERIFY, DESTROY]);
    expect(r.errors).toEqual(['e2e: verification of WebFleet failed (exit 1)']);
    expect(r.logs.at(-1)).toBe('e2e: WebFleet FAILED (exit 1)');
  });

  test('keeps a failed stack with --keep', async () => {
    const r = recorder({ verify: 1 });
    await expect(runE2e(['WebFleet', '--keep'], r.deps)).resolves.toBe(1);
    expect(r.calls).toEqual([PREFLIGHT, DEPLOY, VERIFY]);
  });

  test('fails with exit 4, skips verify and cleans up when the deploy fails', async () => {
    const r = recorder({ deploy: 1 });
    await expect(runE2e(['WebFleet'], r.deps)).resolves.toBe(4);
    expect(r.calls).toEqual([PREFLIGHT, DEPLOY, DESTROY]);
    expect(r.errors).toEqual(['e2e: cdk deploy WebFleet failed (exit 1)']);
  });

  test('fails with exit 5 when everything passed but the destroy failed', async () => {
    const r = recorder({ destroy: 1 });
    await expect(runE2e(['WebFleet'], r.deps)).resolves.toBe(5);
    expect(r.errors).toEqual([
      'e2e: cdk destroy WebFleet failed (exit 1); the stack may still exist, check CloudFormation',
    ]);
  });

  test('reports the verify failure, not the destroy failure, when both fail', async () => {
    const r = recorder({ verify: 1, destroy: 1 });
    await expect(runE2e(['WebFleet'], r.deps)).resolves.toBe(1);
  });

  test('stops with exit 6 when preflight fails: nothing deployed, nothing to destroy', async () => {
    // GIVEN an account preflight finds a blocker in
    const r = recorder({ preflight: 1 });
    // WHEN
    const code = await runE2e(['WebFleet'], r.deps);
    // THEN
    expect(code).toBe(6);
    expect(r.calls).toEqual([PREFLIGHT]);
    expect(r.errors).toEqual([
      'e2e: preflight did not pass (exit 1), so WebFleet was not deployed; apply the fixes it printed, or pass --skip-preflight',
    ]);
    expect(r.logs.at(-1)).toBe('e2e: WebFleet FAILED (exit 6)');
  });

  test('passes on the exit code of preflight when it could not run (no region: exit 2)', async () => {
    const r = recorder({ preflight: 2 });
    await expect(runE2e(['InventoryLoader'], r.deps)).resolves.toBe(2);
    expect(r.calls).toEqual(['preflight --pattern InventoryLoader']);
  });

  test('a stack that is not one of the four patterns is preflighted for all of them', async () => {
    const r = recorder();
    await expect(runE2e(['SharedLogging', '--keep'], r.deps)).resolves.toBe(0);
    expect(r.calls[0]).toBe('preflight');
  });

  test('--skip-preflight deploys without it', async () => {
    const r = recorder({ preflight: 1 });
    await expect(runE2e(['WebFleet', '--skip-preflight'], r.deps)).resolves.toBe(0);
    expect(r.calls).toEqual([DEPLOY, VERIFY, DESTROY]);
    expect(r.logs[0]).toBe('e2e: --skip-preflight given; deploying WebFleet without checking the account first');
  });

  test('refuses to run without AWS credentials, running nothing', async () => {
    // GIVEN
    const r = recorder(
      {},
      { credentials: () => Promise.reject(new Error('Could not load credentials from any providers')) },
    );
    // WHEN
    const code = await runE2e(['WebFleet'], r.deps);
    // THEN
    expect(code).toBe(3);
    expect(r.calls).toEqual([]);
    expect(r.errors).toEqual([
      'e2e: refusing to deploy WebFleet: no AWS credentials found (Could not load credentials from any providers); configure credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, aws sso login, or an instance/task role) and retry',
    ]);
  });

  test.each([[[]], [['A', 'B']]])('fails with exit 2 unless exactly one stack is named (%j)', async (argv) => {
    const r = recorder();
    await expect(runE2e(argv, r.deps)).resolves.toBe(2);
    expect(r.calls).toEqual([]);
    expect(r.errors[0]).toMatch(/^e2e: expected exactly one stack name; received/);
  });

  test('fails with exit 2 on an unknown option', async () => {
    const r = recorder();
    await expect(runE2e(['WebFleet', '--destroy-everything'], r.deps)).resolves.toBe(2);
    expect(r.calls).toEqual([]);
  });

  test('--help prints usage', async () => {
    const r = recorder();
    await expect(runE2e(['--help'], r.deps)).resolves.toBe(0);
    expect(r.logs).toEqual([E2E_USAGE]);
  });
});
