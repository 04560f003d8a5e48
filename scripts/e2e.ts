// End-to-end test of one sample stack against a real AWS account:
//   npm run e2e -- <StackName> [--keep] [--no-write] [--skip-preflight]
// cdk-compute-patterns preflight -> cdk deploy -> cdk-compute-patterns verify -> cdk destroy (skipped with --keep;
// runs even when verify fails). A failed preflight stops before anything is deployed.
// Refuses to run without AWS credentials. The orchestration is unit-tested with injected runners
// (test/cli/e2e.test.ts); see docs/VERIFY.md.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runCli } from '../bin/cli/main';
import {
  assertCredentials,
  AwsEnvironmentError,
  CredentialsProvider,
  defaultCredentialsProvider,
} from '../bin/cli/verify/aws';
import { ExitCode } from '../bin/cli/verify/exit-codes';
import { isPatternName } from '../bin/cli/verify/outputs';

/** Exit codes beyond the verifier's own (0 ok, 1 checks failed, 2 usage, 3 no credentials). */
export const E2eExit = {
  ...ExitCode,
  /** `cdk deploy` failed. */
  DeployFailed: 4,
  /** Everything passed but `cdk destroy` failed: the stack may still exist and cost money. */
  DestroyFailed: 5,
  /** `cdk-compute-patterns preflight` found something that blocks the deploy; nothing was deployed. */
  PreflightFailed: 6,
} as const;

export const E2E_USAGE = `Usage: npm run e2e -- <StackName> [--keep] [--no-write] [--skip-preflight]

Checks the AWS account and region of your current credentials with 'cdk-compute-patterns preflight', deploys a
sample stack there, verifies it with 'cdk-compute-patterns verify', then destroys it.

  --keep             keep the stack after verifying (default: destroy it, even when verification fails)
  --no-write         pass --no-write to verify (skip the InventoryLoader smoke import)
  --skip-preflight   deploy without running preflight first
  -h, --help         show this help

Exit codes: 0 passed, 1 verification failed, 2 usage error, 3 no AWS credentials, 4 deploy failed,
5 destroy failed, 6 preflight failed (nothing deployed).
`;

/** Everything the orchestration touches, injectable so it is tested without AWS or the CDK CLI. */
export interface E2eDeps {
  /** Run a command with inherited stdio; resolves to its exit code. */
  readonly run: (command: string, args: readonly string[]) => Promise<number>;
  /** Run `cdk-compute-patterns preflight` with these arguments; resolves to its exit code. */
  readonly preflight: (args: readonly string[]) => Promise<number>;
  /** Run `cdk-compute-patterns verify` with these arguments; resolves to its exit code. */
  readonly verify: (args: readonly string[]) => Promise<number>;
  readonly credentials: CredentialsProvider;
  /** Create a scratch directory for the outputs file; returns its path and a cleanup function. */
  readonly tempDir: () => Promise<{ path: string; remove: () => Promise<void> }>;
  readonly log: (line: string) => void;
  readonly error: (line: string) => void;
}

/** Spawn a command with the terminal attached (so CDK's progress shows), resolving to its exit code. */
export function spawnCommand(command: string, args: readonly string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, [...args], { stdio: 'inherit', shell: process.platform === 'win32' });
    child.on('error', (e) => {
      process.stderr.write(`e2e: cannot run ${command}: ${e.message}\n`);
      resolve(127);
    });
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

export function defaultE2eDeps(): E2eDeps {
  return {
    run: spawnCommand,
    preflight: (args) => runCli(['preflight', ...args]),
    verify: (args) => runCli(['verify', ...args]),
    credentials: defaultCredentialsProvider(),
    tempDir: async () => {
      const path = await mkdtemp(join(tmpdir(), 'cdk-compute-patterns-e2e-'));
      return { path, remove: () => rm(path, { recursive: true, force: true }) };
    },
    log: (line) => process.stdout.write(`${line}\n`),
    error: (line) => process.stderr.write(`${line}\n`),
  };
}

/** preflight → deploy → verify → destroy for one stack; resolves to the process exit code. */
export async function runE2e(argv: readonly string[], deps: E2eDeps): Promise<number> {
  let values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        keep: { type: 'boolean' },
        'no-write': { type: 'boolean' },
        'skip-preflight': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    deps.error(`e2e: ${(e as Error).message}\n${E2E_USAGE}`);
    return E2eExit.Usage;
  }
  if (values.help) {
    deps.log(E2E_USAGE);
    return E2eExit.Ok;
  }
  if (positionals.length !== 1) {
    deps.error(
      `e2e: expected exactly one stack name; received ${positionals.length ? positionals.join(' ') : 'none'}\n${E2E_USAGE}`,
    );
    return E2eExit.Usage;
  }
  const [stack] = positionals;

  try {
    await assertCredentials(deps.credentials);
  } catch (e) {
    if (e instanceof AwsEnvironmentError) {
      deps.error(`e2e: refusing to deploy ${stack}: ${e.message}`);
      return e.exitCode;
    }
    throw e;
  }

  if (values['skip-preflight']) {
    deps.log(`e2e: --skip-preflight given; deploying ${stack} without checking the account first`);
  } else {
    // The sample stacks are named after their pattern; any other stack is checked for every pattern.
    deps.log(`e2e: preflight for ${stack}`);
    const checked = await deps.preflight(isPatternName(stack) ? ['--pattern', stack] : []);
    if (checked !== 0) {
      const code = checked === ExitCode.ChecksFailed ? E2eExit.PreflightFailed : checked;
      deps.error(
        `e2e: preflight did not pass (exit ${checked}), so ${stack} was not deployed; apply the fixes it printed, or pass --skip-preflight`,
      );
      deps.log(`e2e: ${stack} FAILED (exit ${code})`);
      return code;
    }
  }

  const scratch = await deps.tempDir();
  const outputsFile = join(scratch.path, 'cdk-outputs.json');
  let code: number = E2eExit.Ok;
  try {
    deps.log(`e2e: deploying ${stack}`);
    const deployed = await deps.run('npx', [
      'cdk',
      'deploy',
      stack,
      '--require-approval',
      'never',
      // Throwaway deployment: load balancers without deletion protection, so the destroy below can remove them.
      '--context',
      'deletionProtection=false',
      '--outputs-file',
      outputsFile,
    ]);
    if (deployed !== 0) {
      deps.error(`e2e: cdk deploy ${stack} failed (exit ${deployed})`);
      code = E2eExit.DeployFailed;
    } else {
      deps.log(`e2e: verifying ${stack}`);
      const verifyArgs = [
        '--outputs-file',
        outputsFile,
        '--stack',
        stack,
        ...(values['no-write'] ? ['--no-write'] : []),
      ];
      const verified = await deps.verify(verifyArgs);
      if (verified !== 0) {
        deps.error(`e2e: verification of ${stack} failed (exit ${verified})`);
        code = verified;
      }
    }
  } finally {
    if (values.keep) {
      deps.log(`e2e: --keep given; ${stack} left deployed. Remove it with: npx cdk destroy ${stack} --force`);
    } else {
      deps.log(`e2e: destroying ${stack}`);
      const destroyed = await deps.run('npx', ['cdk', 'destroy', stack, '--force']);
      if (destroyed !== 0) {
        deps.error(
          `e2e: cdk destroy ${stack} failed (exit ${destroyed}); the stack may still exist, check CloudFormation`,
        );
        if (code === E2eExit.Ok) {
          code = E2eExit.DestroyFailed;
        }
      }
    }
    await scratch.remove();
  }
  deps.log(`e2e: ${stack} ${code === E2eExit.Ok ? 'PASSED' : `FAILED (exit ${code})`}`);
  return code;
}

if (require.main === module) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  runE2e(process.argv.slice(2), defaultE2eDeps()).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`e2e: unexpected error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
