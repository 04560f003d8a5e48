import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { configFromEnv, corsHeaders, createHandler } from '../../../lib/serverless-api/handler/index';
import { call, useApiHarness } from './harness';

const h = useApiHarness();

describe('ServerlessApi handler behind the loopback API on dynalite', () => {
  test('runs the lab: create, get, list, update, delete', async () => {
    // GIVEN a fresh API
    const { url } = await h.start();
    // WHEN the lab's requests run
    const created = await call(url, 'POST', '/users', { userId: 'u1', name: 'Ana' });
    const got = await call(url, 'GET', '/users/u1');
    const listed = await call(url, 'GET', '/users');
    const updated = await call(url, 'PUT', '/users/u1', { name: 'Ana Maria', version: 1 });
    const deleted = await call(url, 'DELETE', '/users/u1');
    const gone = await call(url, 'GET', '/users/u1');
    // THEN each answers as documented
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/users/u1');
    expect(created.body).toMatchObject({ userId: 'u1', name: 'Ana', version: 1 });
    expect(created.body.createdAt).toBe(created.body.updatedAt);
    expect(got).toMatchObject({ status: 200, body: created.body });
    expect(listed).toMatchObject({ status: 200, body: { items: [created.body] } });
    expect(listed.body.nextCursor).toBeUndefined();
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      userId: 'u1',
      name: 'Ana Maria',
      version: 2,
      createdAt: created.body.createdAt,
    });
    expect(deleted.status).toBe(204);
    expect(gone).toEqual(expect.objectContaining({ status: 404, body: { message: "userId 'u1' not found" } }));
    expect(got.headers.get('cache-control')).toBe('no-store');
    expect(got.headers.get('x-content-type-options')).toBe('nosniff');
  });

  test('refuses to overwrite an existing user (409)', async () => {
    const { url } = await h.start();
    await call(url, 'POST', '/users', { userId: 'u1', name: 'Ana' });
    const again = await call(url, 'POST', '/users', { userId: 'u1', name: 'Bob' });
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ message: "userId 'u1' already exists" });
    expect((await call(url, 'GET', '/users/u1')).body.name).toBe('Ana');
  });

  test('concurrent creates of the same id: exactly one 201, the others 409', async () => {
    const { url } = await h.start();
    const replies = await Promise.all(
      Array.from({ length: 12 }, (_, i) => call(url, 'POST', '/users', { userId: 'same', name: `writer ${i}` })),
    );
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(11);
    const winner = replies.find((r) => r.status === 201)!.body.name;
    expect((await call(url, 'GET', '/users/same')).body.name).toBe(winner);
  });

  test('paginates the list with a cursor over more than one page, each item once', async () => {
    // GIVEN 23 users
    const { url } = await h.start();
    const ids = Array.from({ length: 23 }, (_, i) => `user-${String(i).padStart(2, '0')}`);
    for (const id of ids) expect((await call(url, 'POST', '/users', { userId: id, name: id })).status).toBe(201);
    // WHEN listing 10 at a time
    const seen: string[] = [];
    const pages: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await call(url, 'GET', `/users?limit=10${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      pages.push(page.body.items.length);
      seen.push(...page.body.items.map((i: { userId: string }) => i.userId));
      cursor = page.body.nextCursor;
    } while (cursor);
    // THEN three or more pages of at most 10 hold every user exactly once
    expect(pages.length).toBeGreaterThanOrEqual(3);
    expect(Math.max(...pages)).toBe(10);
    expect(seen.sort()).toEqual(ids);
    // and the default page is 25 items
    const all = await call(url, 'GET', '/users');
    expect(all.body.items).toHaveLength(23);
  });

  test('update with a stale version is refused (409) and changes nothing', async () => {
    const { url } = await h.start();
    await call(url, 'POST', '/users', { userId: 'u1', name: 'Ana' });
    expect((await call(url, 'PUT', '/users/u1', { name: 'first', version: 1 })).status).toBe(200);
    const stale = await call(url, 'PUT', '/users/u1', { name: 'second', version: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body).toEqual({ message: "userId 'u1' is at version 2, not 1: read it again and retry" });
    expect((await call(url, 'GET', '/users/u1')).body).toMatchObject({ name: 'first', version: 2 });
  });

  test('concurrent updates from the same version: exactly one wins', async () => {
    const { url } = await h.start();
    await call(url, 'POST', '/users', { userId: 'u1', name: 'Ana' });
    const replies = await Promise.all(
      Array.from({ length: 8 }, (_, i) => call(url, 'PUT', '/users/u1', { name: `w${i}`, version: 1 })),
    );
    expect(replies.filter((r) => r.status === 200)).toHaveLength(1);
    expect(replies.filter((r) => r.status === 409)).toHaveLength(7);
  });

  test('update and delete of a missing user answer 404', async () => {
    const { url } = await h.start();
    expect(await call(url, 'PUT', '/users/ghost', { name: 'x', version: 1 })).toMatchObject({
      status: 404,
      body: { message: "userId 'ghost' not found" },
    });
    expect(await call(url, 'DELETE', '/users/ghost')).toMatchObject({
      status: 404,
      body: { message: "userId 'ghost' not found" },
    });
  });

  test.each([
    ['no body', undefined, 'request body must be a JSON object'],
    ['not JSON', '{"userId":', 'request body must be valid JSON'],
    ['an array', [], 'request body must be a JSON object'],
    ['a string', '"u1"', 'request body must be a JSON object'],
    ['no userId', { name: 'Ana' }, 'invalid users item: userId is required'],
    ['no name', { userId: 'u1' }, 'invalid users item: name is required'],
    ['an empty name', { userId: 'u1', name: '  ' }, 'invalid users item: name must not be empty'],
    ['a number as name', { userId: 'u1', name: 7 }, 'invalid users item: name must be a string; received 7'],
    [
      'a userId with a slash',
      { userId: 'a/b', name: 'Ana' },
      'invalid users item: userId must be 1 to 128 characters of letters, digits and . _ ~ @ + -; received "a/b"',
    ],
    [
      'an unknown attribute',
      { userId: 'u1', name: 'Ana', admin: true },
      "invalid users item: unknown attribute 'admin'; expected only userId, name",
    ],
    [
      'a system attribute',
      { userId: 'u1', name: 'Ana', version: 9 },
      "invalid users item: unknown attribute 'version'; expected only userId, name",
    ],
    [
      'a name over 256 characters',
      { userId: 'u1', name: 'x'.repeat(257) },
      'invalid users item: name must be at most 256 characters; received 257',
    ],
  ])('create fails when the body has %s (400, exact message)', async (_what, body, message) => {
    const { url } = await h.start();
    const reply = await call(url, 'POST', '/users', body);
    expect(reply.status).toBe(400);
    expect(reply.body.message).toBe(message);
  });

  test('create reports every problem at once', async () => {
    const { url } = await h.start();
    const reply = await call(url, 'POST', '/users', { extra: 1 });
    expect(reply.body).toEqual({
      message:
        "invalid users item: unknown attribute 'extra'; expected only userId, name; userId is required; name is required",
      errors: ["unknown attribute 'extra'; expected only userId, name", 'userId is required', 'name is required'],
    });
  });

  test.each([
    ['no version', { name: 'x' }, 'invalid users item: version is required: send the version you read'],
    ['a version 0', { name: 'x', version: 0 }, 'invalid users item: version must be a positive integer; received 0'],
    [
      'another userId',
      { userId: 'u2', name: 'x', version: 1 },
      `invalid users item: userId in the body ("u2") does not match the path ('u1')`,
    ],
  ])('update fails when the body has %s (400, exact message)', async (_what, body, message) => {
    const { url } = await h.start();
    await call(url, 'POST', '/users', { userId: 'u1', name: 'Ana' });
    const reply = await call(url, 'PUT', '/users/u1', body);
    expect(reply).toMatchObject({ status: 400, body: { message } });
  });

  test.each([
    ['0', "limit must be an integer between 1 and 100; received '0'"],
    ['101', "limit must be an integer between 1 and 100; received '101'"],
    ['ten', "limit must be an integer between 1 and 100; received 'ten'"],
  ])('list fails when limit is %s', async (limit, message) => {
    const { url } = await h.start();
    expect(await call(url, 'GET', `/users?limit=${limit}`)).toMatchObject({ status: 400, body: { message } });
  });

  test.each([
    ['not base64 JSON', 'garbage!'],
    ['another attribute', Buffer.from('{"other":"x"}').toString('base64url')],
    ['a non-string key', Buffer.from('{"userId":5}').toString('base64url')],
  ])('list fails when the cursor is %s', async (_what, cursor) => {
    const { url } = await h.start();
    expect(await call(url, 'GET', `/users?cursor=${encodeURIComponent(cursor)}`)).toMatchObject({
      status: 400,
      body: { message: 'cursor is not valid: pass the nextCursor of the previous page unchanged' },
    });
  });

  test('get fails with 400 on a path key outside the allowed characters', async () => {
    const { url } = await h.start();
    expect(await call(url, 'GET', '/users/%20x')).toMatchObject({
      status: 400,
      body: {
        message: "userId in the path must be 1 to 128 characters of letters, digits and . _ ~ @ + -; received ' x'",
      },
    });
  });

  test('routes the API does not define answer 403 as API Gateway does', async () => {
    const { url } = await h.start();
    expect((await call(url, 'PATCH', '/users/u1', {})).status).toBe(403);
    expect((await call(url, 'GET', '/other')).status).toBe(403);
  });

  test('a function refuses the routes of another group (404), so a mis-wired integration cannot widen its role', async () => {
    // GIVEN the read group's handler
    const read = createHandler({
      tableName: 'unused',
      collection: configFromEnv({ TABLE_NAME: 'x' }).collection,
      routeGroup: 'read',
      allowedOrigins: [],
    });
    // WHEN it receives a DELETE
    const reply = await read({
      resource: '/users/{userId}',
      httpMethod: 'DELETE',
      pathParameters: { userId: 'u1' },
    } as never);
    // THEN it refuses without touching DynamoDB
    expect(reply.statusCode).toBe(404);
    expect(JSON.parse(reply.body)).toEqual({ message: 'no route for DELETE /users/{userId}' });
  });

  test('CORS: answers allowed origins only, never * by default', async () => {
    const { url } = await h.start({ allowedOrigins: ['https://app.example.com'] });
    const allowed = await call(url, 'GET', '/users', undefined, { origin: 'https://app.example.com' });
    const other = await call(url, 'GET', '/users', undefined, { origin: 'https://evil.example.com' });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(allowed.headers.get('vary')).toBe('Origin');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const none = await h.start();
    const noCors = await call(none.url, 'GET', '/users', undefined, { origin: 'https://app.example.com' });
    expect(noCors.headers.get('access-control-allow-origin')).toBeNull();
    expect(corsHeaders(['*'], { Origin: 'https://x' })).toEqual({ 'Access-Control-Allow-Origin': '*' });
  });

  test('a custom collection schema: typed attributes, bounds, its own key and path', async () => {
    const { url } = await h.start({
      collection: {
        name: 'books',
        key: 'isbn',
        attributes: [
          { name: 'title', type: 'string', required: true, maxLength: 20 },
          { name: 'pages', type: 'integer', min: 1 },
          { name: 'price', type: 'number', min: 0 },
          { name: 'inPrint', type: 'boolean' },
        ],
        maxItemBytes: 200,
      },
    });
    expect(
      (await call(url, 'POST', '/books', { isbn: 'b1', title: 'T', pages: 10, price: 1.5, inPrint: true })).status,
    ).toBe(201);
    const bad = await call(url, 'POST', '/books', { isbn: 'b2', title: 'T', pages: 1.5, price: -1, inPrint: 'yes' });
    expect(bad.body.errors).toEqual([
      'pages must be a whole number; received 1.5',
      'price must be at least 0; received -1',
      'inPrint must be true or false; received "yes"',
    ]);
    const big = await call(url, 'POST', '/books', {
      isbn: 'b3',
      title: 'T'.repeat(20),
      pages: 1,
      price: 1,
      inPrint: false,
      extra: undefined,
    });
    expect(big.status).toBe(201);
    // a PUT without the optional attributes removes them
    const put = await call(url, 'PUT', '/books/b1', { title: 'New', version: 1 });
    expect(put.body).toEqual(expect.objectContaining({ isbn: 'b1', title: 'New', version: 2 }));
    expect(put.body.pages).toBeUndefined();
  });

  test('5xx bodies carry no internal detail; the detail goes to the log', async () => {
    // GIVEN DynamoDB failing with an internal message (fault injection: no emulator fails on demand)
    const mock = mockClient(DynamoDBDocumentClient);
    mock
      .onAnyCommand()
      .rejects(Object.assign(new Error('secret table arn:aws:dynamodb:... exploded'), { name: 'InternalServerError' }));
    const errors: string[] = [];
    const spy = jest.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
    try {
      const api = createHandler({
        tableName: 't',
        collection: configFromEnv({ TABLE_NAME: 't' }).collection,
        routeGroup: 'all',
        allowedOrigins: [],
      });
      // WHEN a request fails
      const reply = await api(
        { resource: '/users/{userId}', httpMethod: 'GET', pathParameters: { userId: 'u1' } } as never,
        { awsRequestId: 'req-1' },
      );
      // THEN the caller sees a generic message and the request id, the log the detail
      expect(reply.statusCode).toBe(500);
      expect(JSON.parse(reply.body)).toEqual({ message: 'internal error', requestId: 'req-1' });
      expect(errors.join('\n')).toContain('exploded');
    } finally {
      spy.mockRestore();
      mock.restore();
    }
  });

  test('configFromEnv fails on a broken configuration', () => {
    expect(() => configFromEnv({})).toThrow('TABLE_NAME is not set');
    expect(() => configFromEnv({ TABLE_NAME: 't', ROUTE_GROUP: 'admin' })).toThrow(
      "ROUTE_GROUP must be read, write, delete or all; received 'admin'",
    );
  });

  test('item stored matches what the API returned (no extra attributes)', async () => {
    const { url, client, tableName } = await h.start();
    await call(url, 'POST', '/users', { userId: 'u1', name: 'Ana' });
    // a row written behind the API's back is listed as it is
    await client.send(new PutItemCommand({ TableName: tableName, Item: { userId: { S: 'u2' }, name: { S: 'Raw' } } }));
    const listed = await call(url, 'GET', '/users');
    expect(listed.body.items.map((i: { userId: string }) => i.userId).sort()).toEqual(['u1', 'u2']);
  });
});
