import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CONTAINER_REGISTRY_OUTPUTS,
  detectPattern,
  EC2_SERVICE_OUTPUTS,
  EKS_CLUSTER_OUTPUTS,
  FARGATE_SERVICE_OUTPUTS,
  INVENTORY_LOADER_OUTPUTS,
  OutputsError,
  PATTERNS,
  parseOutputsFile,
  readOutputsFile,
  selectStacks,
  WEB_FLEET_OUTPUTS,
} from '../../bin/cli/verify/outputs';
import { CONTAINER_REGISTRY, EC2_SERVICE, EKS, FARGATE, INVENTORY, WEB_FLEET } from './support/fixtures';

describe('output key contract', () => {
  test('uses the output keys the sample stacks emit', () => {
    // THEN — changing these breaks every deployed stack's verification, so it must be deliberate
    expect(Object.values(WEB_FLEET_OUTPUTS)).toEqual(['LoadBalancerUrl', 'AutoScalingGroupName']);
    expect(Object.values(FARGATE_SERVICE_OUTPUTS)).toEqual(['ServiceUrl', 'ClusterName', 'ServiceName']);
    expect(Object.values(EKS_CLUSTER_OUTPUTS)).toEqual(['ClusterName', 'UpdateKubeconfigCommand']);
    expect(Object.values(INVENTORY_LOADER_OUTPUTS)).toEqual([
      'BucketName',
      'UploadPrefix',
      'ReportPrefix',
      'TableName',
      'FunctionName',
    ]);
    expect(Object.values(EC2_SERVICE_OUTPUTS)).toEqual([
      'ServiceUrl',
      'ClusterName',
      'ServiceName',
      'AutoScalingGroupName',
    ]);
    expect(Object.values(CONTAINER_REGISTRY_OUTPUTS)).toEqual(['RepositoryName', 'RepositoryUri']);
  });
});

describe('detectPattern', () => {
  test.each([
    ['WebFleet', WEB_FLEET],
    ['FargateService', FARGATE],
    ['EksCluster', EKS],
    ['InventoryLoader', INVENTORY],
    // every FargateService key plus AutoScalingGroupName: the more specific pattern wins
    ['Ec2Service', EC2_SERVICE],
    ['ContainerRegistry', CONTAINER_REGISTRY],
  ])('recognises %s from its output keys, ignoring extra outputs', (pattern, outputs) => {
    expect(detectPattern({ ...outputs, SomethingElse: 'x' })).toBe(pattern);
  });

  test('returns undefined when a key is missing', () => {
    expect(detectPattern({ LoadBalancerUrl: 'http://x' })).toBeUndefined();
  });

  test('returns undefined when the outputs match two patterns', () => {
    expect(detectPattern({ ...FARGATE, ...EKS })).toBeUndefined();
  });
});

describe('parseOutputsFile', () => {
  test('reads the cdk deploy --outputs-file shape', () => {
    expect(parseOutputsFile(JSON.stringify({ WebFleet: WEB_FLEET }), 'f.json')).toEqual({ WebFleet: WEB_FLEET });
  });

  test('fails when the file is not JSON', () => {
    expect(() => parseOutputsFile('{nope', 'f.json')).toThrow(
      /^f\.json is not valid JSON \(.*\); expected the file written by 'cdk deploy --outputs-file f\.json'$/,
    );
  });

  test('fails when the file is an array', () => {
    expect(() => parseOutputsFile('[]', 'f.json')).toThrow(
      'f.json must contain a JSON object of stack name → outputs; received an array',
    );
  });

  test("fails when a stack's outputs are not an object", () => {
    expect(() => parseOutputsFile('{"A": 3}', 'f.json')).toThrow(
      "f.json: outputs of stack 'A' must be an object of output key → value",
    );
  });
});

describe('readOutputsFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'verify-outputs-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('reads a file from disk', async () => {
    const path = join(dir, 'ok.json');
    await writeFile(path, JSON.stringify({ Eks: EKS }));
    await expect(readOutputsFile(path)).resolves.toEqual({ Eks: EKS });
  });

  test('fails with a deploy hint when the file does not exist', async () => {
    const path = join(dir, 'missing.json');
    await expect(readOutputsFile(path)).rejects.toThrow(
      new OutputsError(
        `outputs file ${path} not found; deploy with 'cdk deploy <Stack> --outputs-file ${path}' or pass --outputs-file`,
      ),
    );
  });
});

describe('selectStacks', () => {
  const file = { WebFleet: WEB_FLEET, Eks: EKS, Other: { Foo: 'bar' } };

  test('selects every recognised stack and reports the others as skipped', () => {
    const { selected, skipped } = selectStacks(file, { path: 'f.json' });
    expect(selected.map((s) => [s.stack, s.pattern])).toEqual([
      ['WebFleet', 'WebFleet'],
      ['Eks', 'EksCluster'],
    ]);
    expect(skipped).toEqual(['Other']);
  });

  test('--stack selects one stack', () => {
    expect(selectStacks(file, { path: 'f.json', stack: 'Eks' }).selected.map((s) => s.stack)).toEqual(['Eks']);
  });

  test('fails when --stack names a stack not in the file', () => {
    expect(() => selectStacks(file, { path: 'f.json', stack: 'Nope' })).toThrow(
      "stack 'Nope' not found in f.json; stacks in the file: WebFleet, Eks, Other",
    );
  });

  test('fails when --stack names a stack of no known pattern', () => {
    expect(() => selectStacks(file, { path: 'f.json', stack: 'Other' })).toThrow(
      "cannot tell which pattern stack 'Other' is from its outputs (Foo); emit the outputs listed in docs/VERIFY.md or pass --pattern WebFleet|FargateService|EksCluster|InventoryLoader",
    );
  });

  test('--pattern forces the pattern of a stack with differently detected outputs', () => {
    const both = { Mixed: { ...FARGATE, ...EKS } };
    expect(selectStacks(both, { path: 'f.json', stack: 'Mixed', pattern: 'EksCluster' }).selected[0].pattern).toBe(
      'EksCluster',
    );
  });

  test('fails when a forced pattern lacks outputs it needs', () => {
    expect(() => selectStacks(file, { path: 'f.json', stack: 'Eks', pattern: 'WebFleet' })).toThrow(
      "stack 'Eks' is missing output(s) LoadBalancerUrl, AutoScalingGroupName needed to verify a WebFleet",
    );
  });

  test('fails when no stack in the file is recognised', () => {
    expect(() => selectStacks({ Other: { Foo: 'bar' } }, { path: 'f.json' })).toThrow(
      `no stack in f.json emits the outputs of a known pattern (${PATTERNS.join(', ')}); pass --stack and --pattern, or see docs/VERIFY.md`,
    );
  });
});
