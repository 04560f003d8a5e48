import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');

/**
 * Packs the library as npm would publish it from a fresh clone (only the files git tracks, no dist/, assets/ or
 * .jsii: `npm pack` itself must build them), installs the tarball into a throwaway CDK app that has only aws-cdk-lib
 * and constructs beside it, and synthesizes every exported construct there with plain `node`: no TypeScript,
 * no ts-node/tsx, no esbuild, no Docker.
 */
describe('packaging', () => {
  let work: string;
  let tarball: string;
  let reused: boolean;
  let packLog: string;

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-compute-patterns-pack-'));
    // GIVEN a fresh clone: the files git tracks (as they are in the working tree), plus what `npm ci` installs
    const clone = path.join(work, 'clone');
    const tracked = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: ROOT,
      encoding: 'utf8',
    })
      .split('\0')
      .filter((f) => f && fs.existsSync(path.join(ROOT, f)));
    for (const f of tracked) {
      fs.mkdirSync(path.dirname(path.join(clone, f)), { recursive: true });
      fs.copyFileSync(path.join(ROOT, f), path.join(clone, f));
    }
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(clone, 'node_modules'), 'dir');
    // The jsii compile is most of `npm pack`'s time, and `npm test` has just compiled the same tree. When the
    // repository's .jsii and dist/ are proven compiled from exactly these sources (scripts/compile.mjs: the source
    // tree's hash and the outputs' hash both match its stamp), the clone gets them with the stamp; its prepack
    // compile then checks the same proof against the clone's own tree and reuses them, or compiles in full.
    reused = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'compile.mjs'), '--check']).status === 0;
    if (reused) {
      fs.copyFileSync(path.join(ROOT, '.jsii'), path.join(clone, '.jsii'));
      fs.cpSync(path.join(ROOT, 'dist'), path.join(clone, 'dist'), { recursive: true });
    }
    // WHEN it is packed with npm's lifecycle scripts (prepack builds dist/, .jsii and assets/)
    const pack = spawnSync('npm', ['pack', '--json', '--pack-destination', work], {
      cwd: clone,
      encoding: 'utf8',
      env: { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    packLog = `${pack.stdout}${pack.stderr}`;
    if (pack.status !== 0) throw new Error(`npm pack failed (${pack.status}):\n${packLog}`);
    const out = pack.stdout;
    tarball = path.join(work, JSON.parse(out.slice(out.indexOf('[')))[0].filename);
  }, 600_000);

  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  test("npm pack's own prepack builds the package: the jsii compile runs, or proves current the outputs it reuses", () => {
    expect(packLog).toMatch(/build-assets: \d+ bundle\(s\) written to assets\//);
    expect(packLog).toContain(
      reused
        ? 'compile: .jsii and dist/ are current (compiled from these exact sources); not compiling again'
        : 'Errors: 0 | Warnings: 0',
    );
  });

  test('publishes compiled code, typings and prebuilt bundles, but no sources or tests', () => {
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(listing).toEqual(expect.arrayContaining(['package/dist/index.js', 'package/dist/index.d.ts']));
    expect(listing).toContain('package/assets/inventory-handler/index.js');
    expect(listing).toContain('package/assets/cli/cdk-compute-patterns.js');
    // the jsii assembly (Construct Hub, jsii-pacmak and jsii-diff read it), the API reference, license, changelog,
    // and the docs the CLI help points to
    for (const f of ['.jsii', 'API.md', 'LICENSE', 'CHANGELOG.md', 'README.md', 'docs/VERIFY.md']) {
      expect(listing).toContain(`package/${f}`);
    }
    expect(listing.filter((f) => /\.ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
    expect(listing.filter((f) => f.startsWith('package/test/') || f.startsWith('package/lib/'))).toEqual([]);
  });

  test('a consumer app with only the peer dependencies installs it quietly and synthesizes every exported construct', () => {
    // GIVEN a throwaway app whose only other dependencies are the peers
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
          // The third peer (EksCluster's kubectl layer), from this checkout like the others: npm would otherwise
          // fetch its registry metadata, which an offline cache filled by `npm ci` does not hold.
          '@aws-cdk/lambda-layer-kubectl-v36': peer('@aws-cdk/lambda-layer-kubectl-v36'),
          'cdk-compute-patterns': `file:${tarball}`,
        },
      }),
    );
    // WHEN the tarball is installed the way a user would (lifecycle scripts allowed)
    const install = spawnSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--install-links=false'], {
      cwd: app,
      encoding: 'utf8',
    });
    expect(install.status).toBe(0);
    // THEN npm prints nothing about this package: no install scripts, no peer-dependency or engine warnings
    expect(`${install.stdout}${install.stderr}`).not.toMatch(/cdk-compute-patterns/);
    expect(install.stderr).not.toMatch(/npm warn/i);
    expect(fs.existsSync(path.join(app, 'node_modules', 'esbuild'))).toBe(false);
    expect(fs.existsSync(path.join(app, 'node_modules', 'typescript'))).toBe(false);

    // GIVEN an app that builds every construct class the installed package's jsii assembly exports
    const assembly = JSON.parse(
      fs.readFileSync(path.join(app, 'node_modules', 'cdk-compute-patterns', '.jsii'), 'utf8'),
    ) as { types: Record<string, { kind: string; name: string }> };
    const nonConstructs = ['InventorySchema', 'CollectionSchema', 'ServerlessApiAuthorization', 'ServiceDeployment'];
    const exported = Object.values(assembly.types)
      .filter((t) => t.kind === 'class' && !nonConstructs.includes(t.name))
      .map((t) => t.name)
      .sort();
    const constructions: Record<string, string> = {
      HighlyAvailableFleet: "new p.HighlyAvailableFleet(stack, 'Fleet');",
      FargateWebService:
        "new p.FargateWebService(stack, 'Web', { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable') });",
      Ec2WebService:
        "new p.Ec2WebService(stack, 'Ec2Web', { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/nginx/nginx:stable') });",
      EksCluster: "new p.EksCluster(stack, 'Eks', { adminPrincipalArns: ['arn:aws:iam::123456789012:role/Admin'] });",
      InventoryLoader: "new p.InventoryLoader(stack, 'Inventory', { schema: p.InventorySchema.standard() });",
      ServerlessApi: "new p.ServerlessApi(stack, 'Users', { schema: p.CollectionSchema.users() });",
      BatchJobQueue: "const jobs = new p.BatchJobQueue(stack, 'Jobs');",
      BatchJobDefinition:
        "jobs.addJobDefinition('Job', { image: ecs.ContainerImage.fromRegistry('public.ecr.aws/amazonlinux/amazonlinux:2023') });",
      LightsailServer: "new p.LightsailServer(stack, 'Site', { ports: [{ fromPort: 443, cidrs: ['0.0.0.0/0'] }] });",
      SecureVpc: "const vpc = new p.SecureVpc(stack, 'Vpc');",
      SecureLoadBalancer:
        "new p.SecureLoadBalancer(stack, 'Alb', { vpc }).listener.addAction('Default', { action: elbv2.ListenerAction.fixedResponse(404) });",
      SecureBucket: "new p.SecureBucket(stack, 'Data');",
      ManagedPolicyRole:
        "new p.ManagedPolicyRole(stack, 'Uploader', { assumedBy: new (require('aws-cdk-lib/aws-iam').AccountRootPrincipal)() });",
      SecureRepository: "new p.SecureRepository(stack, 'Registry');",
      SecureKey: "new p.SecureKey(stack, 'Key');",
      SecureLogGroup: "new p.SecureLogGroup(stack, 'Logs');",
      AccessLogBucket: 'p.AccessLogBucket.of(stack);',
      BeanstalkWebApp:
        "require('fs').mkdirSync('web', { recursive: true }); require('fs').writeFileSync('web/app.js', 'require(\"http\").createServer((q, s) => s.end()).listen(8080);'); const web = new p.BeanstalkWebApp(stack, 'Beanstalk', { sourcePath: 'web', vpc, protocol: elbv2.ApplicationProtocol.HTTP });",
      BeanstalkWorker: "new p.BeanstalkWorker(stack, 'BeanstalkWorker', { sourcePath: 'web', application: web, vpc });",
    };
    // every exported construct is built below; a new export must be added here
    expect(exported).toEqual(Object.keys(constructions).sort());
    fs.writeFileSync(
      path.join(app, 'app.js'),
      `
const { App, Stack } = require('aws-cdk-lib');
const ecs = require('aws-cdk-lib/aws-ecs');
const elbv2 = require('aws-cdk-lib/aws-elasticloadbalancingv2');
const p = require('cdk-compute-patterns');
const app = new App({ outdir: 'cdk.out', builtinCloudFormationValidation: false });
const stack = new Stack(app, 'Consumer');
${Object.values(constructions).join('\n')}
app.synth();
`,
    );
    // WHEN it is synthesized with plain node. aws-cdk-lib's built-in template validation is off here: it was 13 of
    // this synthesis's 20 CPU seconds (measured, issue 19), it checks the templates rather than the packaging, and
    // every construct's own tests synthesize with it on (test/support/cdk-context.ts applies cdk.json's flags).
    execFileSync(process.execPath, ['app.js'], { cwd: app, stdio: 'pipe' });
    // THEN the template holds every pattern, the building blocks and the handler asset
    const template = JSON.parse(fs.readFileSync(path.join(app, 'cdk.out', 'Consumer.template.json'), 'utf8'));
    const types = new Set(Object.values<{ Type: string }>(template.Resources).map((r) => r.Type));
    for (const t of [
      'AWS::AutoScaling::AutoScalingGroup',
      'AWS::ECS::Service',
      'AWS::EKS::Cluster',
      'AWS::Lambda::Function',
      'AWS::EC2::VPC',
      'AWS::ElasticLoadBalancingV2::LoadBalancer',
      'AWS::S3::Bucket',
      'AWS::KMS::Key',
      'AWS::Logs::LogGroup',
    ]) {
      expect(types).toContain(t);
    }
    const assets = fs.readdirSync(path.join(app, 'cdk.out')).filter((f) => f.startsWith('asset.'));
    expect(assets.some((a) => fs.existsSync(path.join(app, 'cdk.out', a, 'index.js')))).toBe(true);
  });
});

/**
 * scripts/compile.mjs (npm run compile) skips the jsii compile only when its outputs are proven current. Run here on a
 * small project tree whose `node_modules/.bin/jsii` is a stand-in that writes .jsii and dist/ and counts its runs, so
 * each decision is observed without a real compile.
 */
describe('npm run compile (scripts/compile.mjs)', () => {
  let tree: string;
  const runs = () => Number(fs.readFileSync(path.join(tree, 'node_modules', 'jsii-runs'), 'utf8'));
  const compile = (...args: string[]) =>
    spawnSync(process.execPath, [path.join(tree, 'scripts', 'compile.mjs'), ...args], { encoding: 'utf8' });

  beforeEach(() => {
    // GIVEN a project with sources, an installed tree and a jsii that has not run yet
    tree = fs.mkdtempSync(path.join(os.tmpdir(), 'compile-stamp-'));
    fs.mkdirSync(path.join(tree, 'scripts'));
    fs.copyFileSync(path.join(ROOT, 'scripts', 'compile.mjs'), path.join(tree, 'scripts', 'compile.mjs'));
    fs.mkdirSync(path.join(tree, 'lib'));
    fs.writeFileSync(path.join(tree, 'lib', 'index.ts'), 'export const a = 1;\n');
    fs.writeFileSync(path.join(tree, 'README.md'), '# readme\n');
    fs.mkdirSync(path.join(tree, 'node_modules', '.bin'), { recursive: true });
    fs.writeFileSync(path.join(tree, 'node_modules', '.package-lock.json'), '{"packages":{}}\n');
    fs.writeFileSync(path.join(tree, 'node_modules', 'jsii-runs'), '0');
    const jsii = path.join(tree, 'node_modules', '.bin', 'jsii');
    fs.writeFileSync(
      jsii,
      `#!/usr/bin/env node
const fs = require('fs'), p = require('path'), t = ${JSON.stringify(tree)};
fs.writeFileSync(p.join(t, 'node_modules', 'jsii-runs'), String(Number(fs.readFileSync(p.join(t, 'node_modules', 'jsii-runs'), 'utf8')) + 1));
fs.writeFileSync(p.join(t, '.jsii'), fs.readFileSync(p.join(t, 'lib', 'index.ts')));
fs.mkdirSync(p.join(t, 'dist'), { recursive: true });
fs.writeFileSync(p.join(t, 'dist', 'index.js'), 'exports.a = 1;');
`,
    );
    fs.chmodSync(jsii, 0o755);
  });

  afterEach(() => fs.rmSync(tree, { recursive: true, force: true }));

  test('compiles when there are no outputs, then reuses them while nothing changed', () => {
    expect(compile('--check').status).toBe(1);
    expect(compile().status).toBe(0);
    expect(runs()).toBe(1);
    expect(compile('--check').status).toBe(0);
    const again = compile();
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('compile: .jsii and dist/ are current');
    expect(runs()).toBe(1);
  });

  test('compiles again when any source file changes, in lib/ or not', () => {
    compile();
    fs.writeFileSync(path.join(tree, 'README.md'), '# readme, edited\n');
    expect(compile('--check').status).toBe(1);
    compile();
    expect(runs()).toBe(2);
    fs.writeFileSync(path.join(tree, 'lib', 'extra.ts'), 'export const b = 2;\n');
    compile();
    expect(runs()).toBe(3);
  });

  test('compiles again when an output was touched or the installed dependencies changed', () => {
    compile();
    fs.appendFileSync(path.join(tree, 'dist', 'index.js'), '\n// edited');
    expect(compile('--check').status).toBe(1);
    compile();
    expect(runs()).toBe(2);
    fs.writeFileSync(path.join(tree, 'node_modules', '.package-lock.json'), '{"packages":{"x":{}}}\n');
    expect(compile('--check').status).toBe(1);
    compile();
    expect(runs()).toBe(3);
  });

  test('--force compiles even when current, and a failed compile leaves no stamp that could vouch for it', () => {
    compile();
    compile('--force');
    expect(runs()).toBe(2);
    fs.writeFileSync(path.join(tree, 'node_modules', '.bin', 'jsii'), '#!/bin/sh\nexit 3\n');
    fs.writeFileSync(path.join(tree, 'lib', 'index.ts'), 'export const a = 2;\n');
    expect(compile().status).toBe(3);
    expect(compile('--check').status).toBe(1);
  });
});
