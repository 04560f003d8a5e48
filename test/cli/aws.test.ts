import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  assertCredentials,
  AwsEnvironmentError,
  defaultCredentialsProvider,
  resolveRegion,
} from '../../bin/cli/verify/aws';

const HINT =
  'configure credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, aws sso login, or an instance/task role) and retry';

describe('assertCredentials', () => {
  test('resolves when the provider returns credentials', async () => {
    await expect(assertCredentials(async () => ({ accessKeyId: 'a', secretAccessKey: 'b' }))).resolves.toBeUndefined();
  });

  test('fails with exit code 3 and one line when the provider finds nothing', async () => {
    const provider = () => Promise.reject(new Error('Could not load credentials from any providers\n    at stack'));
    const error = await assertCredentials(provider).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AwsEnvironmentError);
    expect(error).toMatchObject({
      exitCode: 3,
      message: `no AWS credentials found (Could not load credentials from any providers); ${HINT}`,
    });
  });

  test('fails with exit code 3 when resolution hangs past the timeout (offline metadata service)', async () => {
    const hangs = () => new Promise<never>(() => undefined);
    await expect(assertCredentials(hangs, 10)).rejects.toMatchObject({
      exitCode: 3,
      message: `no AWS credentials resolved within 10ms; ${HINT}`,
    });
  });
});

describe('the default credential chain', () => {
  const saved = { ...process.env };
  let home: string;

  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'verify-aws-home-'));
    for (const key of Object.keys(process.env)) {
      // keep the SDK's Node-version notice off (test/support/jest-setup.ts): it is no credential
      if (key.startsWith('AWS_') && key !== 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED') {
        delete process.env[key];
      }
    }
    // An empty home: no ~/.aws/config or credentials; no instance metadata service to ask.
    Object.assign(process.env, {
      HOME: home,
      AWS_CONFIG_FILE: join(home, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
      AWS_EC2_METADATA_DISABLED: 'true',
    });
  });

  afterEach(async () => {
    process.env = { ...saved };
    await rm(home, { recursive: true, force: true });
  });

  test('is refused when nothing is configured', async () => {
    await expect(assertCredentials(defaultCredentialsProvider())).rejects.toMatchObject({
      name: 'AwsEnvironmentError',
      exitCode: 3,
    });
  });

  test('accepts credentials from the environment', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIAEXAMPLE';
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    await expect(assertCredentials(defaultCredentialsProvider())).resolves.toBeUndefined();
  });

  test('region: --region wins, then AWS_REGION, else a clean exit-2 error', async () => {
    await expect(resolveRegion('eu-north-1')).resolves.toBe('eu-north-1');
    await expect(resolveRegion(undefined)).rejects.toMatchObject({
      exitCode: 2,
      message: 'no AWS region configured; pass --region or set AWS_REGION',
    });
    process.env.AWS_REGION = 'sa-east-1';
    await expect(resolveRegion(undefined)).resolves.toBe('sa-east-1');
  });
});
