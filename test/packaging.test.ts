import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');

/**
 * Packs the library as npm would publish it, installs the tarball into a
 * throwaway CDK app that has only aws-cdk-lib and constructs beside it, and
 * synthesizes every pattern there with plain `node`: no TypeScript, no
 * ts-node/tsx, no esbuild, no Docker.
 */
describe('packaging', () => {
  let work: string;
  let tarball: string;

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-compute-patterns-pack-'));
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'pipe' });
    const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    tarball = path.join(work, JSON.parse(out)[0].filename);
  }, 300_000);

  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  test('publishes compiled code, typings and prebuilt bundles, but no sources or tests', () => {
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(listing).toEqual(expect.arrayContaining(['package/dist/index.js', 'package/dist/index.d.ts']));
    expect(listing).toContain('package/assets/inventory-handler/index.js');
    expect(listing).toContain('package/assets/cli/cdk-compute-patterns.js');
    expect(listing.filter((f) => /\.ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
    expect(listing.filter((f) => f.startsWith('package/test/') || f.startsWith('package/lib/'))).toEqual([]);
  });

  test('a consumer app with only aws-cdk-lib and constructs synthesizes every pattern', () => {
    // GIVEN a throwaway app whose only other dependencies are the two peers
    const app = path.join(work, 'consumer');
    fs.mkdirSync(app);
    const peer = (name: string) => `file:${path.join(ROOT, 'node_modules', name)}`;
    fs.writeFileSync(
      path.join(app, 'package.json'),
      JSON.stringify({
        name: 'consumer',
        private: true,
        dependencies: {
          'aws-cdk-lib': peer('aws-cdk-lib'),
          constructs: peer('constructs'),
          'cdk-compute-patterns': `file:${tarball}`,
        },
      }),
    );
    execFileSync(
      'npm',
      ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--install-links=false'],
      {
        cwd: app,
        stdio: 'pipe',
      },
    );
    expect(fs.existsSync(path.join(app, 'node_modules', 'esbuild'))).toBe(false);
    expect(fs.existsSync(path.join(app, 'node_modules', 'typescript'))).toBe(false);
    fs.writeFileSync(
      path.join(app, 'app.js'),
      `
const { App, Stack } = require('aws-cdk-lib');
const ecs = require('aws-cdk-lib/aws-ecs');
const p = require('cdk-compute-patterns');
const app = new App({ outdir: 'cdk.out' });
const stack = new Stack(app, 'Consumer');
new p.HighlyAvailableFleet(stack, 'Fleet');
new p.FargateWebService(stack, 'Web', { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable') });
new p.EksCluster(stack, 'Eks');
new p.InventoryLoader(stack, 'Inventory');
app.synth();
`,
    );
    // WHEN it is synthesized with plain node
    execFileSync(process.execPath, ['app.js'], { cwd: app, stdio: 'pipe' });
    // THEN the template holds all four patterns and the handler asset
    const template = JSON.parse(fs.readFileSync(path.join(app, 'cdk.out', 'Consumer.template.json'), 'utf8'));
    const types = new Set(Object.values<{ Type: string }>(template.Resources).map((r) => r.Type));
    for (const t of [
      'AWS::AutoScaling::AutoScalingGroup',
      'AWS::ECS::Service',
      'AWS::EKS::Cluster',
      'AWS::Lambda::Function',
    ]) {
      expect(types).toContain(t);
    }
    const assets = fs.readdirSync(path.join(app, 'cdk.out')).filter((f) => f.startsWith('asset.'));
    expect(assets.some((a) => fs.existsSync(path.join(app, 'cdk.out', a, 'index.js')))).toBe(true);
  });
});
