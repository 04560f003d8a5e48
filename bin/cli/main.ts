import { defaultPreflightDeps, runPreflight } from './preflight/command';
import { defaultVerifyDeps, runVerify, VerifyDeps } from './verify/command';
import { ExitCode } from './verify/exit-codes';
import { createProgress } from './verify/progress';

export const CLI_USAGE = `Usage: cdk-compute-patterns <command> [options]

Commands:
  preflight  check an account and Region before the first deploy (run 'preflight --help')
  verify     check that deployed cdk-compute-patterns stacks really work (run 'verify --help')

Options:
  -h, --help     show this help
`;

/** Run the CLI with `argv` (without node and script path); resolves to the process exit code. */
export async function runCli(argv: readonly string[], deps?: Partial<VerifyDeps>): Promise<number> {
  const base = defaultVerifyDeps(createProgress(process.stderr));
  const all: VerifyDeps = { ...base, ...deps };
  const [command, ...rest] = argv;
  switch (command) {
    case 'verify':
      return runVerify(rest, all);
    case 'preflight':
      return runPreflight(rest, { ...defaultPreflightDeps(all.progress), stdout: all.stdout, stderr: all.stderr });
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      all.stdout(CLI_USAGE);
      return command === undefined ? ExitCode.Usage : ExitCode.Ok;
    default:
      all.stderr(`cdk-compute-patterns: unknown command '${command}'\n${CLI_USAGE}`);
      return ExitCode.Usage;
  }
}
