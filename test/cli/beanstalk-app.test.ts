import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { ElasticBeanstalkClient } from '@aws-sdk/client-elastic-beanstalk';
import { verifyBeanstalkApp } from '../../bin/cli/verify/checks/beanstalk-app';
import { BEANSTALK_APP_OUTPUTS } from '../../bin/cli/verify/outputs';
import { deadUrl, startServer, testContext } from './support/helpers';

/** One environment as the Elastic Beanstalk Query API describes it. */
interface Env {
  readonly name: string;
  readonly status: string;
  readonly health: string;
}

/**
 * A loopback Elastic Beanstalk endpoint: answers DescribeEnvironments (AWS Query protocol, XML) with the next state
 * of the environment named in the request, and records every request's parameters.
 */
async function fakeElasticBeanstalk(states: Record<string, Env[]>) {
  const calls: URLSearchParams[] = [];
  const seen: Record<string, number> = {};
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const params = new URLSearchParams(body);
      calls.push(params);
      const name = params.get('EnvironmentNames.member.1') ?? '';
      const list = states[name] ?? [];
      const i = Math.min(seen[name] ?? 0, list.length - 1);
      seen[name] = (seen[name] ?? 0) + 1;
      const env = list[i];
      const member = env
        ? `<member><EnvironmentName>${env.name}</EnvironmentName><ApplicationName>shop</ApplicationName><Status>${env.status}</Status><Health>${env.health}</Health><VersionLabel>v1</VersionLabel><EndpointURL>awseb-e-1.eu-west-1.elb.amazonaws.com</EndpointURL></member>`
        : '';
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        `<DescribeEnvironmentsResponse xmlns="https://elasticbeanstalk.amazonaws.com/docs/2010-12-01/"><DescribeEnvironmentsResult><Environments>${member}</Environments></DescribeEnvironmentsResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></DescribeEnvironmentsResponse>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = new ElasticBeanstalkClient({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${port}`,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
  });
  return {
    client,
    calls,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}

function outputs(url: string) {
  return {
    [BEANSTALK_APP_OUTPUTS.url]: url,
    [BEANSTALK_APP_OUTPUTS.applicationName]: 'shop',
    [BEANSTALK_APP_OUTPUTS.webEnvironmentName]: 'shop-web',
    [BEANSTALK_APP_OUTPUTS.workerEnvironmentName]: 'shop-worker',
    [BEANSTALK_APP_OUTPUTS.workerQueueUrl]: 'https://sqs.us-east-1.amazonaws.com/123456789012/q',
  };
}

describe('verifyBeanstalkApp (against a loopback Elastic Beanstalk endpoint and web server)', () => {
  test('waits for both environments to become Ready and Green and passes when the URL answers', async () => {
    // GIVEN a web environment still Updating, then Green, a Green worker, and a web app that answers
    const eb = await fakeElasticBeanstalk({
      'shop-web': [
        { name: 'shop-web', status: 'Updating', health: 'Grey' },
        { name: 'shop-web', status: 'Ready', health: 'Green' },
      ],
      'shop-worker': [{ name: 'shop-worker', status: 'Ready', health: 'Green' }],
    });
    const web = await startServer(() => ({ status: 200, body: '<h1>Hello</h1>' }));
    const base = testContext();
    const ctx = testContext({ clients: { ...base.clients, elasticBeanstalk: () => eb.client } });
    try {
      // WHEN
      const results = await verifyBeanstalkApp(ctx, outputs(web.url));
      // THEN each check passes, and DescribeEnvironments named the application and the environment
      expect(results.map((r) => [r.id, r.status])).toEqual([
        ['web-green', 'pass'],
        ['worker-green', 'pass'],
        ['url-answers', 'pass'],
      ]);
      expect(results[0].evidence).toMatch(/^status Ready, health Green, version v1/);
      expect(eb.calls[0].get('Action')).toBe('DescribeEnvironments');
      expect(eb.calls[0].get('ApplicationName')).toBe('shop');
      expect(eb.calls.filter((c) => c.get('EnvironmentNames.member.1') === 'shop-web')).toHaveLength(2);
      expect(web.requests()).toBeGreaterThan(0);
    } finally {
      await eb.close();
      await web.close();
    }
  });

  test('fails when an environment stays Red, and when the URL does not answer', async () => {
    const eb = await fakeElasticBeanstalk({
      'shop-web': [{ name: 'shop-web', status: 'Ready', health: 'Red' }],
      'shop-worker': [{ name: 'shop-worker', status: 'Ready', health: 'Green' }],
    });
    const base = testContext({ settings: { waitTimeoutMs: 20_000, urlTimeoutMs: 20_000 } });
    const ctx = testContext({
      clients: { ...base.clients, elasticBeanstalk: () => eb.client },
      settings: { waitTimeoutMs: 20_000, urlTimeoutMs: 20_000 },
    });
    try {
      const results = await verifyBeanstalkApp(ctx, outputs(await deadUrl()));
      expect(results.map((r) => [r.id, r.status])).toEqual([
        ['web-green', 'fail'],
        ['worker-green', 'pass'],
        ['url-answers', 'fail'],
      ]);
      expect(results[0].evidence).toMatch(/^not Ready and Green within .*: status Ready, health Red/);
    } finally {
      await eb.close();
    }
  });
});
