// `npm run compile`: the jsii compile (`jsii --fail-on-warnings`), done only when its outputs could differ.
//
// After a successful compile this writes dist/.compile-stamp.json: a SHA-256 of every source file of the project
// (the whole tree but node_modules, .git and build outputs, plus the installed dependency tree
// node_modules/.package-lock.json and the Node.js version) and a SHA-256 of what jsii wrote (.jsii and dist/).
// The next run compiles again unless both still match: the same compiler, over the same sources and the same
// dependencies, writes the same outputs, so the files on disk are what it would write. Any edit anywhere in the
// tree (not only lib/), a changed install, or a touched output means a full compile, as before.
//
// `npm test` compiles once; the packaging test packs a copy of the tree whose `prepack` compile then finds the
// outputs it copied proven current, instead of compiling the same sources a second time.
//
//   node scripts/compile.mjs            compile unless current
//   node scripts/compile.mjs --force    always compile
//   node scripts/compile.mjs --check    exit 0 if current, 1 if not (no compile)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const STAMP = join(root, 'dist', '.compile-stamp.json');

/** Build outputs and machine-local files: never inputs of the compile (all git-ignored). */
const NOT_SOURCES = new Set([
  '.git',
  'node_modules',
  'dist',
  'dist-pacmak',
  'assets',
  'cdk.out',
  'coverage',
  '.bench',
  '.jsii',
  'tsconfig.tsbuildinfo',
  'cdk.context.json',
  'cdk-outputs.json',
  '.npmignore',
]);

function files(dir, skip = () => false) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (skip(p, e.name)) continue;
    if (e.isDirectory()) out.push(...files(p, skip));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** One hash over the relative path and content of each file, in a fixed order. */
function hashFiles(list, extra = []) {
  const h = createHash('sha256');
  for (const f of list.map((p) => relative(root, p).split(sep).join('/')).sort()) {
    h.update(`${f}\0`);
    h.update(readFileSync(join(root, f)));
    h.update('\0');
  }
  for (const e of extra) h.update(`${e}\0`);
  return h.digest('hex');
}

function sourceHash() {
  const sources = files(
    root,
    (p, name) => (dirname(p) === root && NOT_SOURCES.has(name)) || name.endsWith('.tgz') || name === '.git',
  );
  const installed = join(root, 'node_modules', '.package-lock.json');
  return hashFiles(sources, [process.version, existsSync(installed) ? readFileSync(installed, 'utf8') : 'none']);
}

function outputHash() {
  const jsii = join(root, '.jsii');
  const dist = join(root, 'dist');
  if (!existsSync(jsii) || !existsSync(join(dist, 'index.js'))) return undefined;
  return hashFiles([jsii, ...files(dist, (p) => p === STAMP)]);
}

function current() {
  if (!existsSync(STAMP)) return false;
  const stamp = JSON.parse(readFileSync(STAMP, 'utf8'));
  return stamp.sources === sourceHash() && stamp.outputs === outputHash();
}

const args = process.argv.slice(2);
if (args.includes('--check')) process.exit(current() ? 0 : 1);

if (!args.includes('--force') && current()) {
  console.log('compile: .jsii and dist/ are current (compiled from these exact sources); not compiling again');
  process.exit(0);
}

const sources = sourceHash();
try {
  execFileSync(join(root, 'node_modules', '.bin', 'jsii'), ['--fail-on-warnings'], {
    stdio: 'inherit',
    env: { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' },
  });
} catch (e) {
  process.exit(typeof e.status === 'number' && e.status !== 0 ? e.status : 1);
}
mkdirSync(dirname(STAMP), { recursive: true });
writeFileSync(STAMP, `${JSON.stringify({ sources, outputs: outputHash() }, null, 2)}\n`);
