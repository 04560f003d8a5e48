// Checks the public API against what is committed (run by `npm test` after `npm run compile`):
//  1. API.md is what jsii-docgen generates from the current assembly (.jsii), so the reference never lags the code;
//  2. jsii-diff finds no breaking change between api-baseline/ (the API of the last release) and the current
//     assembly. Additions pass; a removal, a narrowed type or a newly required prop fails.
// `--write-api-md` writes API.md from the current assembly (npm run docgen). `--update-baseline` copies the current assembly to api-baseline/ (an intended breaking change: do it in the
// same commit as the change and its CHANGELOG entry). `--api-md <file>` and `--baseline <dir>` point the checks
// elsewhere and `--only docs|diff` runs one check (the tests use them to prove each check fails when it should).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const env = { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' };

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const assembly = join(root, '.jsii');
const baseline = option('--baseline', join(root, 'api-baseline'));
const apiMd = option('--api-md', join(root, 'API.md'));
const only = option('--only', undefined);

if (!existsSync(assembly)) {
  console.error('check-api: no .jsii assembly; run `npm run compile` first');
  process.exit(1);
}

if (args.includes('--update-baseline')) {
  copyFileSync(assembly, join(baseline, '.jsii'));
  console.log(`check-api: ${relative(root, join(baseline, '.jsii'))} updated from the current assembly`);
  process.exit(0);
}

/**
 * Runs jsii-docgen on the current assembly alone. jsii-docgen loads every `.jsii` below its working directory, and
 * two of ours share the name and version (this package's and api-baseline/'s, plus any test copy), so run in the
 * repository it silently documented the baseline. Here it sees a clean package: our .jsii and package.json, and
 * node_modules with the two assemblies ours depends on.
 */
function generateApiMd(output) {
  const work = mkdtempSync(join(tmpdir(), 'docgen-'));
  try {
    copyFileSync(assembly, join(work, '.jsii'));
    copyFileSync(join(root, 'package.json'), join(work, 'package.json'));
    mkdirSync(join(work, 'node_modules'));
    // Every jsii dependency of the assembly (the peer dependencies: aws-cdk-lib, constructs, the kubectl layer).
    const peers = Object.keys(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).peerDependencies ?? {});
    for (const dep of peers) {
      mkdirSync(dirname(join(work, 'node_modules', dep)), { recursive: true });
      symlinkSync(join(root, 'node_modules', dep), join(work, 'node_modules', dep));
    }
    execFileSync(bin('jsii-docgen'), ['--output', output], { cwd: work, env, stdio: ['ignore', 'ignore', 'inherit'] });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (args.includes('--write-api-md')) {
  generateApiMd(apiMd);
  console.log(`check-api: ${relative(root, apiMd)} written from the current assembly`);
  process.exit(0);
}

let failed = false;

/** 1. API.md is what jsii-docgen generates now. */
function checkDocs() {
  const work = mkdtempSync(join(tmpdir(), 'check-api-'));
  try {
    const generated = join(work, 'API.md');
    generateApiMd(generated);
    if (!existsSync(apiMd) || readFileSync(generated, 'utf8') !== readFileSync(apiMd, 'utf8')) {
      console.error(
        `check-api: ${relative(root, apiMd)} is not what jsii-docgen generates from the code; run \`npm run docgen\` and commit API.md`,
      );
      failed = true;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** 2. No unintended breaking change against the baseline. */
function checkDiff() {
  try {
    execFileSync(bin('jsii-diff'), ['--error-on', 'all', '--keys', baseline, root], {
      cwd: root,
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (e) {
    process.stderr.write(e.stdout ?? '');
    process.stderr.write(e.stderr ?? '');
    console.error(
      `check-api: the public API breaks compatibility with ${relative(root, baseline)} (jsii-diff above). ` +
        'If the break is unintended, restore the API. If it is intended, record it in CHANGELOG.md under ' +
        '"Changed (breaking)" and run `npm run api:baseline` in the same commit (README, API baseline).',
    );
    failed = true;
  }
}

if (only !== 'diff') checkDocs();
if (only !== 'docs') checkDiff();
if (failed) process.exit(1);
console.log(
  only === 'docs'
    ? 'check-api: API.md is current'
    : only === 'diff'
      ? `check-api: no breaking change against ${relative(root, baseline)}`
      : 'check-api: API.md is current; no breaking change against api-baseline/',
);
