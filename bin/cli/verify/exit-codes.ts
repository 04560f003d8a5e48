/** Process exit codes of `cdk-compute-patterns` (documented in docs/VERIFY.md and `verify --help`). */
export const ExitCode = {
  /** Every check passed (or `--help`). */
  Ok: 0,
  /** At least one check failed. */
  ChecksFailed: 1,
  /** Bad arguments; the outputs file is missing, unreadable or has no verifiable stack; or no AWS region. */
  Usage: 2,
  /** No AWS credentials could be resolved. */
  NoCredentials: 3,
} as const;
