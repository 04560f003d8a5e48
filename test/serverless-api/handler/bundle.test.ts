/**
 * The prebuilt bundle (assets/serverless-api-handler, made by `npm run build:assets`) behind the loopback API
 * on dynalite: what Lambda runs, with its own bundled SDK configured from the standard environment variables.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Handler } from '../../../lib/serverless-api/handler/index';
import { EMULATOR_CREDENTIALS, EMULATOR_REGION } from '../../support/emulators';
import { call, useApiHarness } from './harness';

const BUNDLE = join(__dirname, '../../../assets/serverless-api-handler/index.js');
const h = useApiHarness();
const saved = { ...process.env };

interface BundleModule {
  handler: Handler;
  createHandler: (config: unknown) => Handler;
  configFromEnv: (env: Record<string, string>) => unknown;
}

describe('serverless-api handler bundle', () => {
  beforeAll(() => {
    if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run 'npm run build:assets' first`);
    process.env.AWS_ENDPOINT_URL_DYNAMODB = h.endpoint();
    process.env.AWS_REGION = EMULATOR_REGION;
    process.env.AWS_ACCESS_KEY_ID = EMULATOR_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = EMULATOR_CREDENTIALS.secretAccessKey;
  });
  afterAll(() => {
    process.env = saved;
  });

  test('is one file under 1 MB', () => {
    expect(statSync(BUNDLE).size).toBeLessThan(1024 * 1024);
  });

  test('serves the lab from the bundle, one function per route group configured by its environment', async () => {
    // GIVEN three copies of the bundle, as Lambda runs them, each configured by ROUTE_GROUP
    const { url } = await h.start({
      handlerFor: (group, tableName) => {
        let mod!: BundleModule;
        jest.isolateModules(() => {
          mod = require(BUNDLE) as BundleModule; // eslint-disable-line @typescript-eslint/no-require-imports
        });
        return mod.createHandler(mod.configFromEnv({ TABLE_NAME: tableName, ROUTE_GROUP: group }));
      },
    });
    // WHEN the lab runs, with two concurrent creates of one id
    const creates = await Promise.all([
      call(url, 'POST', '/users', { userId: 'b1', name: 'One' }),
      call(url, 'POST', '/users', { userId: 'b1', name: 'Two' }),
    ]);
    // THEN exactly one create wins and the other routes answer
    expect(creates.map((r) => r.status).sort()).toEqual([201, 409]);
    expect((await call(url, 'GET', '/users/b1')).status).toBe(200);
    expect((await call(url, 'GET', '/users')).body.items).toHaveLength(1);
    expect((await call(url, 'PUT', '/users/b1', { name: 'Three', version: 1 })).body.version).toBe(2);
    expect((await call(url, 'PUT', '/users/b1', { name: 'Four', version: 1 })).status).toBe(409);
    expect((await call(url, 'DELETE', '/users/b1')).status).toBe(204);
    expect((await call(url, 'DELETE', '/users/b1')).status).toBe(404);
  });

  test('the Lambda entry point reads TABLE_NAME and ROUTE_GROUP from the environment', async () => {
    const { tableName } = await h.start();
    process.env.TABLE_NAME = tableName;
    process.env.ROUTE_GROUP = 'read';
    let mod!: BundleModule;
    jest.isolateModules(() => {
      mod = require(BUNDLE) as BundleModule; // eslint-disable-line @typescript-eslint/no-require-imports
    });
    const list = await mod.handler({ resource: '/users', httpMethod: 'GET' } as never);
    const create = await mod.handler({ resource: '/users', httpMethod: 'POST', body: '{}' } as never);
    expect(list.statusCode).toBe(200);
    expect(create.statusCode).toBe(404);
  });
});
