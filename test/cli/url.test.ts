import { checkDistinctInstances, checkUrlAnswers2xx } from '../../bin/cli/verify/checks/url';
import { httpGet, normaliseUrl } from '../../bin/cli/verify/http';
import { alternatingFleet, deadUrl, fleetPage, LocalServer, startServer, testContext } from './support/helpers';

describe('httpGet against a loopback server', () => {
  let server: LocalServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  test('returns status and body', async () => {
    server = await startServer(() => ({ status: 201, body: 'hello' }));
    await expect(httpGet(server.url, 2000)).resolves.toEqual({ status: 201, body: 'hello' });
  });

  test('rejects when nothing listens', async () => {
    await expect(httpGet(await deadUrl(), 2000)).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('normaliseUrl', () => {
  test('adds http:// to a bare DNS name and keeps explicit schemes', () => {
    expect(normaliseUrl('alb-1.us-east-1.elb.amazonaws.com')).toBe('http://alb-1.us-east-1.elb.amazonaws.com');
    expect(normaliseUrl('https://x.example/')).toBe('https://x.example/');
    expect(normaliseUrl('HTTP://x.example/')).toBe('HTTP://x.example/');
  });
});

describe('checkUrlAnswers2xx', () => {
  let server: LocalServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  test('passes when the URL answers 2xx', async () => {
    server = await startServer(() => ({ status: 200, body: 'ok' }));
    const result = await checkUrlAnswers2xx(testContext(), 'url-2xx', server.url);
    expect(result).toMatchObject({ id: 'url-2xx', status: 'pass', evidence: 'HTTP 200 after 1 attempt(s) in 0ms' });
  });

  test('passes after retries while targets register (503, 503, then 200)', async () => {
    // GIVEN
    server = await startServer((n) => (n <= 2 ? { status: 503, body: 'unavailable' } : { status: 200, body: 'ok' }));
    const ctx = testContext();
    // WHEN
    const result = await checkUrlAnswers2xx(ctx, 'url-2xx', server.url);
    // THEN
    expect(result).toMatchObject({ status: 'pass', evidence: 'HTTP 200 after 3 attempt(s) in 6.0s' });
    expect(ctx.clock.sleeps).toEqual([2000, 4000]);
    expect(server.requests()).toBe(3);
  });

  test('fails when the URL keeps answering 503 until the timeout', async () => {
    // GIVEN
    server = await startServer(() => ({ status: 503, body: 'unavailable' }));
    const ctx = testContext({ settings: { urlTimeoutMs: 30_000 } });
    // WHEN
    const result = await checkUrlAnswers2xx(ctx, 'url-2xx', server.url);
    // THEN 2 + 4 + 8 + 15 = 29 s slept; the next 15 s delay would pass 30 s
    expect(result.status).toBe('fail');
    expect(result.evidence).toBe(`timed out after 29s (5 attempt(s)) waiting for GET ${server.url}: HTTP 503`);
    expect(server.requests()).toBe(5);
  });

  test('fails when nothing listens', async () => {
    const url = await deadUrl();
    const result = await checkUrlAnswers2xx(testContext({ settings: { urlTimeoutMs: 5000 } }), 'url-2xx', url);
    expect(result.status).toBe('fail');
    expect(result.evidence).toMatch(/ECONNREFUSED/);
  });
});

describe('checkDistinctInstances', () => {
  let server: LocalServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  test('passes when requests alternate between two instances', async () => {
    // GIVEN
    server = await startServer(alternatingFleet('i-0aaaaaaaaaaaaaaa1', 'i-0bbbbbbbbbbbbbbb2'));
    // WHEN
    const result = await checkDistinctInstances(
      testContext({ settings: { requests: 6 } }),
      'load-balanced',
      server.url,
    );
    // THEN
    expect(result).toMatchObject({
      status: 'pass',
      evidence: '2 distinct instance(s): i-0aaaaaaaaaaaaaaa1 x3, i-0bbbbbbbbbbbbbbb2 x3',
    });
    expect(server.requests()).toBe(6);
  });

  test('fails when every request is answered by the same instance', async () => {
    server = await startServer(() => ({ status: 200, body: fleetPage('i-0123456789abcdef0') }));
    const result = await checkDistinctInstances(testContext(), 'load-balanced', server.url);
    expect(result).toMatchObject({ status: 'fail', evidence: '1 distinct instance(s): i-0123456789abcdef0 x20' });
    expect(server.requests()).toBe(20);
  });

  test('fails when the load balancer answers 503', async () => {
    server = await startServer(() => ({ status: 503, body: 'unavailable' }));
    const result = await checkDistinctInstances(
      testContext({ settings: { requests: 4 } }),
      'load-balanced',
      server.url,
    );
    expect(result).toMatchObject({
      status: 'fail',
      evidence: '0 distinct instance(s): no instance id seen; 4 failed request(s) (HTTP 503)',
    });
  });

  test('fails when some requests fail even though two instances answered', async () => {
    server = await startServer((n) =>
      n === 3 ? { status: 502, body: 'bad gateway' } : alternatingFleet('i-0000000a', 'i-0000000b')(n),
    );
    const result = await checkDistinctInstances(
      testContext({ settings: { requests: 4 } }),
      'load-balanced',
      server.url,
    );
    expect(result).toMatchObject({
      status: 'fail',
      evidence: '2 distinct instance(s): i-0000000a x1, i-0000000b x2; 1 failed request(s) (HTTP 502)',
    });
  });

  test('fails when pages carry no instance id', async () => {
    server = await startServer(() => ({ status: 200, body: '<h1>It works!</h1>' }));
    const result = await checkDistinctInstances(
      testContext({ settings: { requests: 2 } }),
      'load-balanced',
      server.url,
    );
    expect(result).toMatchObject({
      status: 'fail',
      evidence:
        '0 distinct instance(s): no instance id seen; 2 2xx response(s) without an instance id (i-...) in the body',
    });
  });
});
