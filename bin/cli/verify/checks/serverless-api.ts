import type { VerifyContext } from '../context';
import { normaliseUrl } from '../http';
import { SERVERLESS_API_OUTPUTS, StackOutputs } from '../outputs';
import { CheckResult, fail, info, judge, skip } from '../result';
import type { SignedFetch } from '../signed-http';

/**
 * ServerlessApi checks: a SigV4-signed round trip through the deployed API (create, get, list, delete of an
 * item named after the run), which proves IAM authorization, the routes, the functions' permissions and the
 * table together. The item is deleted at the end, also when a step in between fails.
 */
export async function verifyServerlessApi(ctx: VerifyContext, outputs: StackOutputs): Promise<CheckResult[]> {
  const base = normaliseUrl(outputs[SERVERLESS_API_OUTPUTS.apiUrl]).replace(/\/+$/, '');
  const collection = outputs[SERVERLESS_API_OUTPUTS.collectionName];
  const key = outputs[SERVERLESS_API_OUTPUTS.keyAttribute];
  const results: CheckResult[] = [
    info(
      'api',
      'API under test',
      `${base}/${collection} (key ${key}), table ${outputs[SERVERLESS_API_OUTPUTS.tableName]}`,
    ),
  ];
  if (!ctx.settings.write) {
    results.push(
      skip('round-trip', 'signed create/get/list/delete round trip', '--no-write: the round trip writes an item'),
    );
    return results;
  }
  const signed = ctx.clients.signedFetch?.();
  if (!signed) {
    results.push(fail('round-trip', 'signed create/get/list/delete round trip', 'no request signer is configured'));
    return results;
  }
  const id = `verify-${ctx.settings.runId}`.replace(/[^A-Za-z0-9._~@+-]/g, '-').slice(0, 128);
  const itemUrl = `${base}/${collection}/${encodeURIComponent(id)}`;
  let created = false;
  try {
    results.push(
      await step(ctx, 'create', `signed POST /${collection} creates ${key} '${id}' (201)`, () =>
        expectStatus(signed, 'POST', `${base}/${collection}`, 201, { [key]: id, name: 'cdk-compute-patterns verify' }),
      ),
    );
    created = results[results.length - 1].status === 'pass';
    if (created) {
      results.push(
        await step(ctx, 'get', `signed GET /${collection}/${id} returns it (200)`, async () => {
          const res = await expectStatus(signed, 'GET', itemUrl, 200);
          const item = JSON.parse(res) as Record<string, unknown>;
          if (item[key] !== id) throw new Error(`the item's ${key} is ${JSON.stringify(item[key])}, not '${id}'`);
          return res;
        }),
      );
      results.push(
        await step(ctx, 'list', `signed GET /${collection} answers a page of items (200)`, async () => {
          const res = await expectStatus(signed, 'GET', `${base}/${collection}?limit=100`, 200);
          const page = JSON.parse(res) as { items?: unknown[] };
          if (!Array.isArray(page.items)) throw new Error('the answer has no items list');
          return `${page.items.length} item(s) on the first page`;
        }),
      );
    }
  } finally {
    if (created) {
      results.push(
        await step(
          ctx,
          'delete',
          `signed DELETE /${collection}/${id} removes it (204), then GET answers 404`,
          async () => {
            await expectStatus(signed, 'DELETE', itemUrl, 204);
            await expectStatus(signed, 'GET', itemUrl, 404);
            return 'deleted; the test item is gone';
          },
        ),
      );
    }
  }
  return results;
}

async function step(ctx: VerifyContext, id: string, title: string, run: () => Promise<string>): Promise<CheckResult> {
  ctx.progress.update(title);
  try {
    const evidence = await run();
    return judge(true, id, title, evidence.length > 200 ? `${evidence.slice(0, 200)}...` : evidence);
  } catch (e) {
    return fail(id, title, (e as Error).message);
  }
}

async function expectStatus(
  signed: SignedFetch,
  method: string,
  url: string,
  status: number,
  body?: unknown,
): Promise<string> {
  const res = await signed(method, url, body);
  if (res.status !== status) {
    throw new Error(`${method} ${url} answered HTTP ${res.status}, expected ${status}: ${res.body.slice(0, 300)}`);
  }
  return res.body || `HTTP ${res.status}`;
}
