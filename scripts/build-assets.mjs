// Bundles runtime code (Lambda handlers, the CLI) with esbuild into assets/.
// Runs at build time only (npm prepare / npm run build / npm test): library
// consumers load the prebuilt files and never need esbuild or Docker.
import { build } from 'esbuild';
import { chmodSync, existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * One entry per bundle. `outfile` is relative to assets/.
 * @type {{ name: string; entry: string; outfile: string; target: string; banner?: string; external?: string[] }[]}
 */
const bundles = [
  {
    name: 'cli',
    entry: 'bin/cli/cdk-compute-patterns.ts',
    outfile: 'cli/cdk-compute-patterns.js',
    target: 'node20',
    banner: '#!/usr/bin/env node',
  },
  // InventoryLoader Lambda (lib/inventory/handler, see docs/IMPORT-ENGINE.md). The XLSX reader is a second
  // bundle loaded on first use: './xlsx-reader' stays an external require in index.js, so CSV imports never load
  // exceljs. The AWS SDK v3 clients are bundled (pinned, reproducible) rather than taken from the runtime.
  {
    name: 'inventory-handler',
    entry: 'lib/inventory/handler/index.ts',
    outfile: 'inventory-handler/index.js',
    target: 'node22',
    external: ['./xlsx-reader'],
  },
  {
    name: 'inventory-handler-xlsx',
    entry: 'lib/inventory/handler/xlsx-reader.ts',
    outfile: 'inventory-handler/xlsx-reader.js',
    target: 'node22',
  },
  // ServerlessApi Lambda (lib/serverless-api/handler, see docs/SERVERLESS-API.md): one bundle, deployed as one
  // function per route group (ROUTE_GROUP). The AWS SDK v3 DynamoDB client is bundled, as for the inventory handler.
  {
    name: 'serverless-api-handler',
    entry: 'lib/serverless-api/handler/index.ts',
    outfile: 'serverless-api-handler/index.js',
    target: 'node22',
  },
  // InventoryLoader large-file mode (lib/inventory/handler/large-file): the router (EventBridge target) and the
  // state machine's steps, with their own copy of the lazily loaded XLSX reader.
  {
    name: 'inventory-large-file',
    entry: 'lib/inventory/handler/large-file/worker.ts',
    outfile: 'inventory-large-file/index.js',
    target: 'node22',
    external: ['./xlsx-reader'],
  },
  {
    name: 'inventory-large-file-router',
    entry: 'lib/inventory/handler/large-file/router.ts',
    outfile: 'inventory-large-file/router.js',
    target: 'node22',
    external: ['./xlsx-reader'],
  },
  {
    name: 'inventory-large-file-xlsx',
    entry: 'lib/inventory/handler/xlsx-reader.ts',
    outfile: 'inventory-large-file/xlsx-reader.js',
    target: 'node22',
  },
  // Ec2WebService teardown custom resource (lib/ecs-ec2/handler, see docs/ECS-EC2.md "Teardown"): releases the
  // container instances' scale-in protection on stack deletion. The Auto Scaling client is bundled.
  {
    name: 'ecs-ec2-teardown',
    entry: 'lib/ecs-ec2/handler/index.ts',
    outfile: 'ecs-ec2-teardown/index.js',
    target: 'node22',
  },
];

rmSync(join(root, 'assets'), { recursive: true, force: true });
for (const b of bundles) {
  const entry = join(root, b.entry);
  if (!existsSync(entry)) {
    throw new Error(`build-assets: entry for bundle '${b.name}' not found at ${b.entry}`);
  }
  await build({
    entryPoints: [entry],
    outfile: join(root, 'assets', b.outfile),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: b.target,
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    external: b.external ?? [],
    banner: b.banner ? { js: b.banner } : undefined,
    logLevel: 'warning',
  });
  // Scripts with a shebang are executables (npx runs the package's own bin only when it is).
  if (b.banner?.startsWith('#!')) chmodSync(join(root, 'assets', b.outfile), 0o755);
}
console.log(`build-assets: ${bundles.length} bundle(s) written to assets/`);
