import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EKS } from './support/fixtures';

// The real entry points as users run them, in child processes with no AWS configuration at all.
const root = join(__dirname, '..', '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');
const bundle = join(root, 'assets', 'cli', 'cdk-compute-patterns.js');

let home: string;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'verify-entry-'));
  writeFileSync(join(home, 'cdk-outputs.json'), JSON.stringify({ Eks: EKS }));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** A clean environment: no AWS variables, an empty home, no instance metadata service. */
function run(command: string, args: string[]) {
  const result = spawnSync(command, args, {
    cwd: home,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      HOME: home,
      AWS_CONFIG_FILE: join(home, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
    },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const NO_CREDENTIALS =
  /^cdk-compute-patterns verify: no AWS credentials found \(.+\); configure credentials .+ and retry\n$/;

describe('cdk-compute-patterns (source entry point)', () => {
  test('verify refuses with exit 3 and one line, no stack trace, when no credentials exist', () => {
    const { code, stdout, stderr } = run(tsx, [join(root, 'bin', 'cli', 'cdk-compute-patterns.ts'), 'verify']);
    expect(stderr).toMatch(NO_CREDENTIALS);
    expect(stdout).toBe('');
    expect(code).toBe(3);
  });
});

describe('npm run e2e (scripts/e2e.ts)', () => {
  test('refuses with exit 3 and a clear message when no credentials exist', () => {
    const { code, stdout, stderr } = run(tsx, [join(root, 'scripts', 'e2e.ts'), 'WebFleet']);
    expect(stderr).toMatch(
      /^e2e: refusing to deploy WebFleet: no AWS credentials found \(.+\); configure credentials .+\n$/,
    );
    expect(stdout).toBe('');
    expect(code).toBe(3);
  });
});

describe('the bundled bin (assets/cli/cdk-compute-patterns.js, built by npm run build:assets)', () => {
  test('exists with a node shebang', () => {
    expect(existsSync(bundle) ? readFileSync(bundle, 'utf8').split('\n')[0] : 'missing: run npm run build:assets').toBe(
      '#!/usr/bin/env node',
    );
  });

  test('verify --help documents usage', () => {
    const { code, stdout } = run(process.execPath, [bundle, 'verify', '--help']);
    expect(stdout).toMatch(/^Usage: cdk-compute-patterns verify \[options\]/);
    expect(code).toBe(0);
  });

  test('verify refuses with exit 3 without credentials', () => {
    const { code, stderr } = run(process.execPath, [bundle, 'verify']);
    expect(stderr).toMatch(NO_CREDENTIALS);
    expect(code).toBe(3);
  });
});
