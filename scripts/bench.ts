/**
 * `npm run bench`: throughput and memory of the inventory import engine, against a naive baseline.
 *
 * - Builds the assets (`node scripts/build-assets.mjs`) and measures the handler bundle: size, and cold
 *   `require` time in fresh node processes (median of 7).
 * - Generates CSV files of 10k, 100k and 1M rows in .bench/ (gitignored) and uploads them to s3rver, which runs
 *   in this process.
 * - For every run, starts a fresh dynalite in its own child process (its CPU and memory are not the engine's),
 *   warms it up with 5,000 items in another table, and runs the importer in another child process: the bundled handler, given an S3 event. That child reports
 *   the handler's wall time and its own peak RSS (VmHWM from /proc/self/status; not `resourceUsage().maxRSS`,
 *   which a child inherits from its parent on Linux). Engine runs below 1M rows
 *   are repeated three times and the medians reported (short runs are noisy on a shared 2-core machine).
 * - The baseline, also in its own child: GetObject into one string, parse it whole, one PutItem per row, one at
 *   a time. It runs on 10k and 100k rows only (at ~1k rows/s the 1M run would take a quarter of an hour).
 * - Writes docs/BENCHMARKS.md.
 *
 * - Repeats the smallest and largest engine runs with a smaller young generation (`--max-semi-space-size=4`).
 *
 * Options: `--sizes 10000,100000` to run other sizes (docs are written only for the default run unless
 * `--write` is given); `--no-baseline`; `--no-tuned`; `--profile` writes CPU profiles of the child processes
 * to .bench/profiles.
 *
 * Large-file path (InventoryLoader `largeFiles`): the synthesized state machine run locally
 * (scripts/lib/large-file-local.ts) on a 2,000,000-row CSV with 1, 2 and 4 parallel batch workers (the map's
 * MaxConcurrency), rows per second measured on this machine, and the modelled time for 10M and 100M rows into a
 * table at 4,000 and 40,000 write units per second. `--large-file-only [--large-file-rows N] [--large-file-workers
 * 1,2]` runs only this part and prints it; `--no-large-file` skips it.
 */
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, createWriteStream, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { BatchWriteItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import * as prettier from 'prettier';
import {
  countItems,
  createBucket,
  createTable,
  emulatorClients,
  emulatorEnv,
  startDynaliteProcess,
  startS3rver,
} from './lib/emulators';
import { SERVERLESS_API_BUNDLE, startUsersApi } from './lib/serverless-api-demo';

const ROOT = join(__dirname, '..');
const WORK = join(ROOT, '.bench');
const ASSETS = join(ROOT, 'assets', 'inventory-handler');
// The bench runs a private copy of the bundle: `npm run build:assets` elsewhere in the tree replaces assets/.
const BUNDLE_DIR = join(WORK, 'inventory-handler');
const BUNDLE = join(BUNDLE_DIR, 'index.js');
const XLSX_BUNDLE = join(BUNDLE_DIR, 'xlsx-reader.js');
const BUCKET = 'bench-bucket';
const TABLE = 'Inventory';
const DEFAULT_SIZES = [10_000, 100_000, 1_000_000];
const BASELINE_MAX_ROWS = 100_000;
const CATEGORIES = ['fasteners', 'power tools', 'hand tools', 'paint', 'electrical', 'garden', 'safety', 'plumbing'];

interface RunResult {
  readonly rows: number;
  readonly ms: number;
  readonly rowsPerSecond: number;
  readonly maxRssMiB: number;
  readonly rowsWritten: number;
  readonly status: string;
}

interface LargeFileRun {
  readonly workers: number;
  readonly rows: number;
  readonly ms: number;
  readonly rowsPerSecond: number;
  readonly batches: number;
  readonly status: string;
  readonly itemsInTable: number;
}

/** One large-file run: the synthesized definition with MaxConcurrency = workers, executed locally. */
async function runLargeFile(csvPath: string, rows: number, workers: number): Promise<LargeFileRun> {
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded only for this part */
  const { App, Size, Stack } = require('aws-cdk-lib') as typeof import('aws-cdk-lib');
  const { Template } = require('aws-cdk-lib/assertions') as typeof import('aws-cdk-lib/assertions');
  const { InventoryLoader } = require('../lib') as typeof import('../lib');
  const { definitionFromTemplate, runLargeFileLocally } =
    require('./lib/large-file-local') as typeof import('./lib/large-file-local');
  const { startEmulators } = require('./lib/emulators') as typeof import('./lib/emulators');
  const worker = require('../lib/inventory/handler/large-file/worker') as {
    handler: (event: unknown) => Promise<unknown>;
    setWorkerOverrides: (o: object) => void;
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
  const stack = new Stack(new App(), `LargeFileBench${workers}`);
  new InventoryLoader(stack, 'Inventory', { largeFiles: { threshold: Size.mebibytes(1), maxConcurrency: workers } });
  const definition = definitionFromTemplate(
    Template.fromStack(stack).toJSON() as Parameters<typeof definitionFromTemplate>[0],
  );
  const emulators = await startEmulators();
  try {
    Object.assign(process.env, emulators.env, {
      TABLE_NAME: TABLE,
      REPORT_PREFIX: 'reports/',
      LOG_LEVEL: 'SILENT',
    });
    delete process.env.LEDGER_TABLE_NAME;
    // Clients of this run's emulators (the worker caches its clients per container, as in Lambda).
    worker.setWorkerOverrides({ clients: { s3: emulators.s3, dynamodb: emulators.dynamodb } });
    await createBucket(emulators.s3, BUCKET);
    await createTable(emulators.dynamodb, TABLE, 'sku');
    const key = `uploads/large-${label(rows)}.csv`;
    const body = readFileSync(csvPath);
    await emulators.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
    const started = process.hrtime.bigint();
    const run = await runLargeFileLocally({
      definition,
      worker: worker.handler,
      s3: emulators.s3,
      input: { object: { bucket: BUCKET, key, size: body.length } },
      executionName: `bench-${workers}`,
    });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const report = run.output as { status: string; rowsWritten: number };
    const itemsInTable = await countItems(emulators.dynamodb, TABLE);
    return {
      workers,
      rows,
      ms: Math.round(ms),
      rowsPerSecond: Math.round(report.rowsWritten / (ms / 1000)),
      batches: run.batches,
      status: report.status,
      itemsInTable,
    };
  } finally {
    await emulators.stop();
  }
}

/** Hours and minutes for a duration in seconds. */
function humanDuration(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`;
  const minutes = Math.round(seconds / 60);
  return minutes < 90 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/**
 * The large-file section of docs/BENCHMARKS.md. Modelled time: rows / min(table write units, the workers' rate),
 * where the workers' rate is the measured per-worker rate times the map's MaxConcurrency (default 10), items of
 * at most 1 KB (one write unit each), and one more batch round (batch start-up) ignored.
 */
async function largeFileSection(rows: number, workerCounts: number[]): Promise<string[]> {
  const csv = await generateCsv(rows);
  const runs: LargeFileRun[] = [];
  for (const workers of workerCounts) {
    const run = await runLargeFile(csv, rows, workers);
    console.log(
      `large file ${label(rows)} with ${workers} worker(s): ${run.rowsPerSecond} rows/s, ${run.ms} ms, ${run.batches} batches, ${run.status}, ${run.itemsInTable} items in the table`,
    );
    runs.push(run);
  }
  const perWorker = Math.max(...runs.map((r) => r.rowsPerSecond / r.workers));
  const lines = [
    '## Large files (Step Functions Distributed Map)',
    '',
    `The synthesized large-file state machine run locally (scripts/lib/large-file-local.ts: aws-local-stepfunctions,`,
    `the real step code, s3rver and dynalite in this process) on a ${label(rows)}-row CSV; "workers" is the map's`,
    'MaxConcurrency (batches written at once). On this machine every worker shares the two cores with dynalite, so',
    'the rate does not grow with workers the way it does in AWS, where each batch is its own Lambda invocation.',
    'Each row is one conditional PutItem (so a key in two batches ends with the later row, docs/IMPORT-ENGINE.md):',
    'dynalite answers those about five times slower than the same rows in BatchWriteItem calls.',
    '',
    '| workers | rows | time (s) | rows/s | batches | status | items in the table |',
    '| ---: | ---: | ---: | ---: | ---: | --- | ---: |',
    ...runs.map(
      (r) =>
        `| ${r.workers} | ${r.rows} | ${(r.ms / 1000).toFixed(1)} | ${r.rowsPerSecond} | ${r.batches} | ${r.status} | ${r.itemsInTable} |`,
    ),
    '',
    `Modelled time in AWS: rows / min(write units per second, ${Math.round(perWorker)} rows/s per worker (the best`,
    'measured above) x 10 workers (the default MaxConcurrency)); items of at most 1 KB (one write unit each). The',
    'AIMD controller keeps the workers at what the table accepts, so the table is the limit whenever it is the',
    'smaller number.',
    '',
    '| rows | 4,000 write units/s | 40,000 write units/s |',
    '| ---: | ---: | ---: |',
    ...[10_000_000, 100_000_000].map((n) => {
      const cell = (units: number) => humanDuration(n / Math.min(units, perWorker * 10));
      return `| ${n.toLocaleString('en-US')} | ${cell(4_000)} | ${cell(40_000)} |`;
    }),
    '',
  ];
  return lines;
}

/** The hand-written large-file section of docs/BENCHMARKS.md (runs of `npm run demo -- --large-file`). */
const HAND_LARGE_FILE = '## Large files: demo runs measured by hand';

/** A hand-written section of the previous docs/BENCHMARKS.md, kept as it is (up to the next `## ` heading). */
function handWritten(previous: string, heading: string): string[] {
  const start = previous.indexOf(`\n${heading}`);
  if (start < 0) return [];
  const next = previous.indexOf('\n## ', start + 1);
  return [previous.slice(start + 1, next < 0 ? undefined : next).trimEnd(), ''];
}

function label(rows: number): string {
  return rows >= 1_000_000 ? `${rows / 1_000_000}M` : `${rows / 1000}k`;
}

async function generateCsv(rows: number): Promise<string> {
  const path = join(WORK, `inventory-${label(rows)}.csv`);
  if (existsSync(path)) return path;
  const out = createWriteStream(path);
  const write = (text: string) =>
    out.write(text) ? Promise.resolve() : new Promise<void>((resolve) => out.once('drain', () => resolve()));
  await write('sku,name,quantity,price,category\n');
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    const sku = `SKU-${String(i).padStart(7, '0')}`;
    chunk += `${sku},"Item ${i}, standard grade",${(i * 7) % 1000},${((i % 5000) / 100 + 0.99).toFixed(2)},${CATEGORIES[i % CATEGORIES.length]}\n`;
    if (chunk.length > 1 << 16) {
      await write(chunk);
      chunk = '';
    }
  }
  await write(chunk);
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return path;
}

/** Runs `script` in a fresh node process and returns the JSON it prints last. */
function runChild<T>(script: string, env: Record<string, string>, nodeFlags: string[] = []): Promise<T> {
  return new Promise((resolve, reject) => {
    const profile = process.argv.includes('--profile')
      ? ['--cpu-prof', `--cpu-prof-dir=${join(WORK, 'profiles')}`]
      : [];
    const child = spawn(process.execPath, [...nodeFlags, ...profile, '-e', script], {
      env: { ...process.env, ...env },
      cwd: ROOT,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (process.env.BENCH_VERBOSE) process.stderr.write(d);
    });
    child.on('exit', (code) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 || !last.startsWith('{')) reject(new Error(`child exited with ${code}\n${stderr}\n${stdout}`));
      else resolve(JSON.parse(last) as T);
    });
  });
}

/**
 * The child's own peak RSS. `process.resourceUsage().maxRSS` is getrusage's ru_maxrss, which Linux preserves across
 * fork + execve: a child reports at least its parent's high-water mark (the bench process holds s3rver and the
 * generated files, so that floor was ~90 MiB). VmHWM in /proc/self/status belongs to the new address space alone.
 */
const OWN_PEAK_RSS = `
function ownPeakRssKb() {
  const m = /^VmHWM:\\s+(\\d+) kB$/m.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8'));
  if (!m) throw new Error('no VmHWM in /proc/self/status: the benchmark measures peak memory on Linux only');
  return Number(m[1]);
}
`;

const ENGINE_SCRIPT = `${OWN_PEAK_RSS}
const { handler } = require(${JSON.stringify(BUNDLE)});
const key = process.env.BENCH_KEY;
const event = { Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: ${JSON.stringify(BUCKET)} }, object: { key } } }] };
const started = process.hrtime.bigint();
const peak = { heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0 };
const sample = setInterval(() => {
  const m = process.memoryUsage();
  for (const k of Object.keys(peak)) peak[k] = Math.max(peak[k], Math.round(m[k] / 1048576));
}, 250);
handler(event, { awsRequestId: 'bench', getRemainingTimeInMillis: () => 900000 }).then((r) => {
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  clearInterval(sample);
  if (process.env.BENCH_VERBOSE) console.error('peak MiB', JSON.stringify(peak));
  console.log(JSON.stringify({ ms, status: r.status, rowsWritten: r.rowsWritten, rowsRejected: r.rowsRejected, maxRssKb: ownPeakRssKb() }));
}, (err) => { console.error(err); process.exit(1); });
`;

const BASELINE_SCRIPT = `${OWN_PEAK_RSS}
const { S3Client, GetObjectCommand } = require('@aws-sdk/client-s3');
const { DynamoDBClient, PutItemCommand } = require('@aws-sdk/client-dynamodb');
const { parse } = require('csv-parse/sync');
(async () => {
  const s3 = new S3Client({ forcePathStyle: true });
  const ddb = new DynamoDBClient({});
  const started = process.hrtime.bigint();
  const object = await s3.send(new GetObjectCommand({ Bucket: ${JSON.stringify(BUCKET)}, Key: process.env.BENCH_KEY }));
  const text = await object.Body.transformToString();
  const records = parse(text, { columns: true, bom: true, skip_empty_lines: true });
  let written = 0;
  for (const r of records) {
    await ddb.send(new PutItemCommand({ TableName: process.env.TABLE_NAME, Item: {
      sku: { S: r.sku }, name: { S: r.name }, quantity: { N: r.quantity }, price: { N: r.price }, category: { S: r.category } } }));
    written++;
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  console.log(JSON.stringify({ ms, status: 'DONE', rowsWritten: written, rowsRejected: 0, maxRssKb: ownPeakRssKb() }));
})().catch((err) => { console.error(err); process.exit(1); });
`;

/**
 * Warms a fresh dynalite up (its JIT and LevelDB code paths) with 5,000 items in another table, so that short
 * runs measure the importer rather than the emulator's start-up. Engine and baseline get the same warm-up.
 */
async function warmUp(dynamodb: DynamoDBClient): Promise<void> {
  await createTable(dynamodb, 'Warmup', 'sku');
  for (let call = 0; call < 200; call++) {
    const items = Array.from({ length: 25 }, (_, i) => ({
      PutRequest: { Item: { sku: { S: `W-${call}-${i}` }, name: { S: 'warm-up item' }, quantity: { N: '1' } } },
    }));
    await dynamodb.send(new BatchWriteItemCommand({ RequestItems: { Warmup: items } }));
  }
}

/** Node flags of the "tuned" engine runs: a smaller young generation (see docs/BENCHMARKS.md). */
const TUNED_FLAGS = ['--max-semi-space-size=4'];

async function measure(
  kind: 'engine' | 'baseline',
  rows: number,
  s3Endpoint: string,
  nodeFlags: string[] = [],
): Promise<RunResult> {
  const dynalite = await startDynaliteProcess();
  try {
    const { dynamodb } = emulatorClients(s3Endpoint, dynalite.endpoint);
    await createTable(dynamodb, TABLE, 'sku');
    await warmUp(dynamodb);
    dynamodb.destroy();
    const env = {
      ...emulatorEnv(s3Endpoint, dynalite.endpoint),
      TABLE_NAME: TABLE,
      LOG_LEVEL: 'WARN',
      BENCH_KEY: `uploads/inventory-${label(rows)}.csv`,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const result = await runChild<{ ms: number; status: string; rowsWritten: number; maxRssKb: number }>(
      kind === 'engine' ? ENGINE_SCRIPT : BASELINE_SCRIPT,
      env,
      nodeFlags,
    );
    if (result.rowsWritten !== rows) throw new Error(`${kind} wrote ${result.rowsWritten} of ${rows} rows`);
    const run: RunResult = {
      rows,
      ms: result.ms,
      rowsPerSecond: Math.round(rows / (result.ms / 1000)),
      maxRssMiB: Math.round((result.maxRssKb / 1024) * 10) / 10,
      rowsWritten: result.rowsWritten,
      status: result.status,
    };
    console.log(
      `${kind}${nodeFlags.length ? ` ${nodeFlags.join(' ')}` : ''} ${label(rows).padStart(5)}: ${(run.ms / 1000).toFixed(1)} s, ${run.rowsPerSecond} rows/s, peak RSS ${run.maxRssMiB} MiB`,
    );
    return run;
  } finally {
    await dynalite.stop();
  }
}

/** Runs below 1M rows are repeated 3 times and the median (by time) kept: short runs are noisy. */
async function medianRun(
  kind: 'engine' | 'baseline',
  rows: number,
  s3Endpoint: string,
  nodeFlags: string[] = [],
): Promise<RunResult> {
  if (rows >= 1_000_000) return measure(kind, rows, s3Endpoint, nodeFlags);
  const runs: RunResult[] = [];
  for (let i = 0; i < 3; i++) runs.push(await measure(kind, rows, s3Endpoint, nodeFlags));
  runs.sort((a, b) => a.ms - b.ms);
  return { ...runs[1], maxRssMiB: [...runs].sort((a, b) => a.maxRssMiB - b.maxRssMiB)[1].maxRssMiB };
}

function coldRequireMs(path: string): number {
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const out = execFileSync(
      process.execPath,
      [
        '-e',
        `const t = process.hrtime.bigint(); require(${JSON.stringify(path)}); console.log(Number(process.hrtime.bigint() - t) / 1e6);`,
      ],
      { encoding: 'utf8' },
    );
    times.push(Number(out.trim()));
  }
  times.sort((a, b) => a - b);
  return Math.round(times[3] * 10) / 10;
}

function parseSizes(): number[] {
  const index = process.argv.indexOf('--sizes');
  if (index < 0) return DEFAULT_SIZES;
  return process.argv[index + 1].split(',').map(Number);
}

function mark(ok: boolean): string {
  return ok ? 'met' : '**missed**';
}

interface ApiBench {
  requests: number;
  concurrency: number;
  rps: number;
  p50: number;
  p99: number;
  bundleBytes: number;
  coldRequireMs: number;
  firstRequestMs: number;
}

/**
 * ServerlessApi: the bundled handler (one copy per route group) behind the loopback API Gateway stand-in, on
 * dynalite in its own process. A mix of the lab's calls (60% GET item, 20% GET page of 25, 20% POST) from
 * `concurrency` clients; requests per second and p50/p99 latency as the client sees them.
 */
async function benchServerlessApi(requests: number, concurrency: number): Promise<ApiBench> {
  const bundleBytes = statSync(SERVERLESS_API_BUNDLE).size;
  const coldRequire = coldRequireMs(SERVERLESS_API_BUNDLE);
  const dynalite = await startDynaliteProcess();
  try {
    const api = await startUsersApi(dynalite.endpoint, 'BenchUsers');
    try {
      const send = (method: string, path: string, body?: unknown) =>
        fetch(`${api.url}${path}`, {
          method,
          headers: body === undefined ? {} : { 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
        }).then((r) => r.text().then(() => r.status));
      const t0 = performance.now();
      await send('POST', '/users', { userId: 'seed-0', name: 'seed' });
      const firstRequestMs = Math.round((performance.now() - t0) * 10) / 10;
      for (let i = 1; i < 200; i++) await send('POST', '/users', { userId: `seed-${i}`, name: `seed ${i}` });
      const latencies: number[] = [];
      let next = 0;
      const start = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < requests) {
            const i = next++;
            const kind = i % 5;
            const began = performance.now();
            if (kind < 3) await send('GET', `/users/seed-${i % 200}`);
            else if (kind === 3) await send('GET', '/users?limit=25');
            else await send('POST', '/users', { userId: `bench-${i}`, name: `bench ${i}` });
            latencies.push(performance.now() - began);
          }
        }),
      );
      const elapsed = (performance.now() - start) / 1000;
      latencies.sort((a, b) => a - b);
      const pct = (p: number) =>
        Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] * 10) / 10;
      return {
        requests,
        concurrency,
        rps: Math.round(requests / elapsed),
        p50: pct(0.5),
        p99: pct(0.99),
        bundleBytes,
        coldRequireMs: coldRequire,
        firstRequestMs,
      };
    } finally {
      await api.stop();
    }
  } finally {
    await dynalite.stop();
  }
}

function apiBenchLines(b: ApiBench): string[] {
  return [
    '## ServerlessApi handler',
    '',
    `The bundled handler (assets/serverless-api-handler/index.js, one copy per route group) behind the loopback API`,
    `Gateway stand-in (scripts/lib/local-api.ts), on dynalite in its own process: ${b.requests} requests from`,
    `${b.concurrency} concurrent clients, 60% GET item, 20% GET a page of 25, 20% POST. No API Gateway, IAM or network`,
    'in the path, so these are the handler and DynamoDB-client costs, not what a deployed API answers in.',
    '',
    '| requests/s | p50 (ms) | p99 (ms) | bundle (KiB) | cold `require` (ms, median of 7) | first request (ms) |',
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${b.rps} | ${b.p50} | ${b.p99} | ${(b.bundleBytes / 1024).toFixed(0)} | ${b.coldRequireMs} | ${b.firstRequestMs} |`,
    '',
  ];
}

function argNumber(name: string, fallback: number): number {
  const index = process.argv.indexOf(name);
  return index < 0 ? fallback : Number(process.argv[index + 1]);
}

async function largeFileOnly(): Promise<void> {
  mkdirSync(WORK, { recursive: true });
  const rowsIndex = process.argv.indexOf('--large-file-rows');
  const workersIndex = process.argv.indexOf('--large-file-workers');
  const rows = rowsIndex >= 0 ? Number(process.argv[rowsIndex + 1]) : 2_000_000;
  const workers = workersIndex >= 0 ? process.argv[workersIndex + 1].split(',').map(Number) : [1, 2, 4];
  console.log((await largeFileSection(rows, workers)).join('\n'));
}

async function main(): Promise<void> {
  if (process.argv.includes('--api-only')) {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-assets.mjs')], { stdio: 'inherit' });
    const b = await benchServerlessApi(argNumber('--api-requests', 2000), argNumber('--api-concurrency', 8));
    console.log(apiBenchLines(b).join('\n'));
    return;
  }
  const sizes = parseSizes();
  const writeDocs = process.argv.includes('--write') || process.argv.indexOf('--sizes') < 0;
  mkdirSync(WORK, { recursive: true });
  console.log('building assets…');
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-assets.mjs')], { stdio: 'inherit' });
  mkdirSync(BUNDLE_DIR, { recursive: true });
  for (const file of ['index.js', 'xlsx-reader.js']) copyFileSync(join(ASSETS, file), join(BUNDLE_DIR, file));
  const bundleBytes = statSync(BUNDLE).size;
  const xlsxBytes = statSync(XLSX_BUNDLE).size;
  const coldMs = coldRequireMs(BUNDLE);
  const xlsxColdMs = coldRequireMs(XLSX_BUNDLE);
  console.log(
    `bundle ${(bundleBytes / 1024).toFixed(0)} KiB, cold require ${coldMs} ms (xlsx reader ${(xlsxBytes / 1024).toFixed(0)} KiB, ${xlsxColdMs} ms)`,
  );

  const s3rver = await startS3rver();
  const engine: RunResult[] = [];
  const baseline: RunResult[] = [];
  const tuned: RunResult[] = [];
  try {
    const { s3 } = emulatorClients(s3rver.endpoint, 'http://127.0.0.1:1');
    await createBucket(s3, BUCKET);
    for (const rows of sizes) {
      const path = await generateCsv(rows);
      await s3.send(
        new PutObjectCommand({ Bucket: BUCKET, Key: `uploads/inventory-${label(rows)}.csv`, Body: readFileSync(path) }),
      );
    }
    for (const rows of sizes) engine.push(await medianRun('engine', rows, s3rver.endpoint));
    if (!process.argv.includes('--no-tuned')) {
      for (const rows of [sizes[0], sizes[sizes.length - 1]]) {
        tuned.push(await medianRun('engine', rows, s3rver.endpoint, TUNED_FLAGS));
      }
    }
    const baselineSizes = process.argv.includes('--no-baseline') ? [] : sizes.filter((n) => n <= BASELINE_MAX_ROWS);
    for (const rows of baselineSizes) baseline.push(await measure('baseline', rows, s3rver.endpoint));
  } finally {
    await s3rver.stop();
  }

  const ratios = baseline.map((b) => {
    const e = engine.find((r) => r.rows === b.rows) as RunResult;
    return { rows: b.rows, ratio: Math.round((e.rowsPerSecond / b.rowsPerSecond) * 10) / 10 };
  });
  const smallest = engine[0];
  const largest = engine[engine.length - 1];
  const rssGrowth = Math.round((largest.maxRssMiB / smallest.maxRssMiB) * 100) / 100;
  const minRatio = Math.min(...ratios.map((r) => r.ratio));
  for (const r of ratios) console.log(`engine/baseline at ${label(r.rows)}: ${r.ratio}x`);
  console.log(`peak RSS ${label(largest.rows)} / ${label(smallest.rows)}: ${rssGrowth}x`);
  if (!writeDocs) return;

  const docPath = join(ROOT, 'docs', 'BENCHMARKS.md');
  const previous = existsSync(docPath) ? readFileSync(docPath, 'utf8') : '';
  const apiBench = await benchServerlessApi(argNumber('--api-requests', 2000), argNumber('--api-concurrency', 8));
  console.log(`ServerlessApi: ${apiBench.rps} requests/s, p50 ${apiBench.p50} ms, p99 ${apiBench.p99} ms`);
  const cpu = cpus();
  const largeFileLines = process.argv.includes('--no-large-file') ? [] : await largeFileSection(2_000_000, [1, 2, 4]);
  const lines = [
    '# Benchmarks: inventory import engine',
    '',
    'Generated by `npm run bench` (scripts/bench.ts); numbers from one run on the machine below. The engine is',
    'the bundled handler (assets/inventory-handler/index.js) handling an S3 event; S3 is s3rver (in the bench',
    'process), DynamoDB is dynalite in its own child process, restarted and warmed up (5,000 items into another',
    'table) for every run; the engine and the baseline each run in their own child process, whose peak RSS',
    '(VmHWM from /proc/self/status, its own high-water mark) is reported. The ledger is off; `WRITE_CONCURRENCY` is the default 8.',
    'Engine runs below 1M rows are repeated three times; the table shows the median time and the median peak RSS.',
    '',
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${cpu.length} cores (${cpu[0]?.model ?? 'unknown CPU'}), ${Math.round(totalmem() / 2 ** 30)} GiB RAM, shared with other work while measuring`,
    `- Node.js ${process.version}; load average when the run ended: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(', ')}`,
    '- Rows: `sku,name,quantity,price,category`, every SKU distinct, a quoted name with a comma; ~50 bytes a row',
    '',
    '## Throughput and memory',
    '',
    '| run | rows | time (s) | rows/s | peak RSS (MiB) |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...engine.map(
      (r) => `| engine | ${label(r.rows)} | ${(r.ms / 1000).toFixed(1)} | ${r.rowsPerSecond} | ${r.maxRssMiB} |`,
    ),
    ...baseline.map(
      (r) =>
        `| naive baseline | ${label(r.rows)} | ${(r.ms / 1000).toFixed(1)} | ${r.rowsPerSecond} | ${r.maxRssMiB} |`,
    ),
    '',
    'The baseline reads the whole object into one string, parses it whole and writes one `PutItem` per row, one at',
    `a time. It runs up to ${label(BASELINE_MAX_ROWS)} rows: at its speed the 1M run alone would take about a quarter of an hour.`,
    '',
    '## Memory with a smaller young generation',
    '',
    `The same engine runs with \`${TUNED_FLAGS.join(' ')}\` (for example \`NODE_OPTIONS\` on the function).`,
    "Node's default young generation grows to 2 x 16 MiB semi-spaces under a sustained allocation rate, which a",
    'long import has and a 10k-row import does not; that fixed growth, not the file, is most of the difference',
    'between the short and the long runs above.',
    '',
    '| run | rows | time (s) | rows/s | peak RSS (MiB) |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...tuned.map(
      (r) => `| engine, tuned | ${label(r.rows)} | ${(r.ms / 1000).toFixed(1)} | ${r.rowsPerSecond} | ${r.maxRssMiB} |`,
    ),
    ...(tuned.length === 2
      ? [
          '',
          `Peak RSS ${label(tuned[1].rows)} / ${label(tuned[0].rows)} with these flags: ${Math.round((tuned[1].maxRssMiB / tuned[0].maxRssMiB) * 100) / 100}x.`,
        ]
      : []),
    '',
    ...largeFileLines,
    ...handWritten(previous, HAND_LARGE_FILE),
    '## Bundle',
    '',
    '| file | size (KiB) | cold `require` (ms, median of 7) |',
    '| --- | ---: | ---: |',
    `| inventory-handler/index.js (CSV path, AWS SDK clients bundled) | ${(bundleBytes / 1024).toFixed(0)} | ${coldMs} |`,
    `| inventory-handler/xlsx-reader.js (loaded only for .xlsx) | ${(xlsxBytes / 1024).toFixed(0)} | ${xlsxColdMs} |`,
    '',
    '## Targets',
    '',
    '| target | result | |',
    '| --- | --- | --- |',
    `| throughput >= 8x baseline | ${ratios.map((r) => `${r.ratio}x at ${label(r.rows)}`).join(', ')} | ${mark(minRatio >= 8)} |`,
    `| peak RSS at ${label(largest.rows)} <= 1.5x peak RSS at ${label(smallest.rows)} | ${largest.maxRssMiB} / ${smallest.maxRssMiB} MiB = ${rssGrowth}x | ${mark(rssGrowth <= 1.5)} |`,
    `| CSV-path bundle < 1 MB | ${(bundleBytes / 1024).toFixed(0)} KiB | ${mark(bundleBytes < 1024 * 1024)} |`,
    `| cold load < 150 ms | ${coldMs} ms | ${mark(coldMs < 150)} |`,
    '',
    'What grows between the short and the long runs: the duplicate-key index, which keeps every distinct key',
    "(~22 MB for these million 11-character SKUs; see docs/IMPORT-ENGINE.md), and, once, V8's young generation",
    '(see the tuned runs above). Everything else is bounded by the batch size, the write concurrency and the stream',
    'buffers. Throughput at 1M rows is lower than at 100k because dynalite slows down as its in-memory store fills',
    '(the engine spends more of the run waiting for it); the baseline was not run at 1M.',
    '',
    ...apiBenchLines(apiBench),
  ];
  // The last section, "Test suite time", is measured on `npm test`, not by this script: keep it as it is.
  const testTime = previous.indexOf('\n## Test suite time');
  if (testTime >= 0) lines.push(previous.slice(testTime + 1));
  const options = (await prettier.resolveConfig(docPath)) ?? {};
  writeFileSync(docPath, await prettier.format(lines.join('\n'), { ...options, parser: 'markdown' }));
  console.log('wrote docs/BENCHMARKS.md');
}

(process.argv.includes('--large-file-only') ? largeFileOnly : main)().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
