import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The real entry points as users run them, in child processes with no AWS configuration at all.
const root = join(__dirname, '..', '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');
const bundle = join(root, 'assets', 'cli', 'cdk-compute-patterns.js');

let home: string;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'preflight-entry-'));
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** A clean environment: no AWS variables, an empty home, no instance metadata service. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    AWS_CONFIG_FILE: join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
}

function run(command: string, args: string[]) {
  const result = spawnSync(command, args, { cwd: home, encoding: 'utf8', env: cleanEnv() });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Like run, without blocking the event loop (the test's own loopback server must answer meanwhile). */
function runAsync(
  command: string,
  args: string[],
  extra: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(command, args, { cwd: home, env: cleanEnv(extra) }, (_error, stdout, stderr) => {
      resolve({ code: child.exitCode, stdout, stderr });
    });
  });
}

const NO_CREDENTIALS =
  /^cdk-compute-patterns preflight: no AWS credentials found \(.+\); configure credentials .+ and retry\n$/;

describe('cdk-compute-patterns preflight with credentials AWS rejects', () => {
  let server: Server;
  let authorization: string[];
  beforeAll(async () => {
    // A loopback STS that answers every request the way STS answers a revoked access key.
    authorization = [];
    server = createServer((req, res) => {
      authorization.push(String(req.headers.authorization));
      req.resume();
      req.on('end', () => {
        res.writeHead(403, { 'content-type': 'text/xml' });
        res.end(
          '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>' +
            '<Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message>' +
            '</Error><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>',
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('--profile signs with that profile in its region, and a rejected key exits 3 with one line', async () => {
    // GIVEN a shared config with a 'sandbox' profile (keys and region), and STS at the loopback server
    writeFileSync(
      join(home, 'credentials'),
      '[sandbox]\naws_access_key_id = AKIASANDBOXEXAMPLE\naws_secret_access_key = s\n',
    );
    writeFileSync(join(home, 'config'), '[profile sandbox]\nregion = ap-southeast-2\n');
    const { port } = server.address() as AddressInfo;
    // WHEN
    const result = await runAsync(process.execPath, [bundle, 'preflight', '--profile', 'sandbox'], {
      AWS_ENDPOINT_URL_STS: `http://127.0.0.1:${port}`,
    });
    // THEN
    expect(result.stderr).toBe(
      'cdk-compute-patterns preflight: cannot identify the account, so the credentials are not usable (sts:GetCallerIdentity: InvalidClientTokenId: The security token included in the request is invalid. (not retried)); refresh them (aws sso login, new keys), check that STS is reachable, and retry\n',
    );
    expect(result.stdout).toBe('');
    expect(result.code).toBe(3);
    expect(authorization).toHaveLength(1);
    expect(authorization[0]).toMatch(/Credential=AKIASANDBOXEXAMPLE\/\d{8}\/ap-southeast-2\/sts\/aws4_request/);
  });
});

describe('cdk-compute-patterns preflight without credentials', () => {
  test('the source entry point refuses with exit 3 and one line, no stack trace', () => {
    const { code, stdout, stderr } = run(tsx, [join(root, 'bin', 'cli', 'cdk-compute-patterns.ts'), 'preflight']);
    expect(stderr).toMatch(NO_CREDENTIALS);
    expect(stdout).toBe('');
    expect(code).toBe(3);
  });

  test('the bundled bin refuses the same way', () => {
    const { code, stdout, stderr } = run(process.execPath, [bundle, 'preflight', '--region', 'eu-west-1']);
    expect(stderr).toMatch(NO_CREDENTIALS);
    expect(stdout).toBe('');
    expect(code).toBe(3);
  });

  test('a --profile that does not exist is refused the same way', () => {
    const { code, stdout, stderr } = run(process.execPath, [bundle, 'preflight', '--profile', 'nope']);
    expect(stderr).toMatch(NO_CREDENTIALS);
    expect(stdout).toBe('');
    expect(code).toBe(3);
  });

  test('the bundled bin documents preflight', () => {
    const { code, stdout } = run(process.execPath, [bundle, 'preflight', '--help']);
    expect(stdout).toMatch(/^Usage: cdk-compute-patterns preflight \[options\]/);
    expect(code).toBe(0);
  });
});
