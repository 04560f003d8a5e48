import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Builds a value on first use and hands the same one to every later caller in this test file.
 *
 * Synthesizing a stack is most of what a CDK test costs. Tests that only read the same template (snapshot,
 * outputs, resource properties) share one synthesis: `const sample = once(() => { ...; return { stack, template }; })`
 * at the top of the file, `sample()` in each test. Give a test its own app when it changes the construct tree
 * or needs other props or context; a shared app must stay as built.
 *
 * Jest gives every test file its own module registry, so a value is shared within a file, never across files.
 */
export function once<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => (built ??= { value: build() }).value;
}

/**
 * The inputs a shared value may depend on: the library, the sample app and its examples, the bundled handlers, the
 * tests and their support code, and the configuration and dependency versions. Snapshots are left out (updating one
 * changes no synthesis).
 */
export const SHARED_INPUTS = [
  'lib',
  'bin',
  'examples',
  'assets',
  'test',
  'cdk.json',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
];

/** Where shared values are kept: inside the clone, so a fresh clone starts with none. */
export const SHARED_DIR = path.join(__dirname, '..', '..', 'node_modules', '.cache', 'cdk-compute-patterns-tests');

const hashes = new Map<string, string>();

/** A hash of every file under `inputs` of `root` (paths and contents), computed once per root in a test file. */
export function sourceHash(root = path.join(__dirname, '..', '..'), inputs = SHARED_INPUTS): string {
  const known = hashes.get(`${root}\n${inputs.join('\n')}`);
  if (known) return known;
  const hash = crypto.createHash('sha256');
  const add = (rel: string) => {
    const full = path.join(root, rel);
    const stat = fs.statSync(full, { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.isDirectory()) {
      for (const e of fs.readdirSync(full).sort()) if (e !== '__snapshots__') add(path.join(rel, e));
    } else if (stat.isFile()) {
      hash.update(`${rel}\n${stat.size}\n`);
      hash.update(fs.readFileSync(full));
    }
  };
  for (const i of inputs) add(i);
  const digest = hash.digest('hex').slice(0, 24);
  hashes.set(`${root}\n${inputs.join('\n')}`, digest);
  return digest;
}

/** One value to share between every test file of a jest run (and its workers). */
export interface SharedBuild<T> {
  /** File name stem of the value, e.g. `sample-app`. */
  readonly name: string;
  /** Builds the value; it must survive JSON (every reader gets the JSON, the builder too). */
  readonly build: () => T;
}

/** Where the shared values live and what their key is computed from (tests point it at a fixture). */
export interface SharedOptions {
  readonly dir?: string;
  readonly root?: string;
  readonly inputs?: string[];
}

/**
 * Builds a value once for every test file of a jest run, across workers: `shared({ name, build })`.
 *
 * The value is written as JSON to `SHARED_DIR/<name>-<hash of the sources>.json`, so an edit to lib/, bin/, examples/
 * or the tests gives a new key and a stale value is never read. The first caller takes `<file>.lock` (created
 * exclusively, holding its pid), builds, writes the file and drops the lock; a caller that finds the lock waits for
 * the file (its worker sleeps, costing no CPU). A lock whose process has died is taken over; a build that throws
 * writes nothing, so every waiter builds (and fails) itself. Readers and the builder alike get the value as parsed
 * from JSON, so every test file reads the same data.
 *
 * `once()` shares within a file; this shares a synthesis that several files read (the sample app, the compliance
 * matrix). Use it only for values that are a function of the sources: no clock, no randomness, no environment.
 */
export function shared<T>(entry: SharedBuild<T>, options: SharedOptions = {}): T {
  return sharedAll([entry], options)[0];
}

/**
 * `shared` for several values at once: builds the ones nobody else is building first, then waits for the rest, so
 * two workers that need the same values build them side by side instead of one after the other.
 */
export function sharedAll<T extends unknown[]>(
  entries: { [K in keyof T]: SharedBuild<T[K]> },
  options: SharedOptions = {},
): T {
  const dir = options.dir ?? SHARED_DIR;
  fs.mkdirSync(dir, { recursive: true });
  const key = sourceHash(options.root, options.inputs);
  const files = entries.map((e) => path.join(dir, `${e.name}-${key}.json`));
  const values: { value: unknown }[] = new Array(entries.length);
  const read = (i: number) => {
    if (!values[i] && fs.existsSync(files[i])) values[i] = { value: JSON.parse(fs.readFileSync(files[i], 'utf8')) };
    return values[i] !== undefined;
  };
  const buildIfFree = (i: number): boolean => {
    const lock = `${files[i]}.lock`;
    if (!takeLock(lock)) return false;
    try {
      // Built by someone else between our look and our lock.
      if (read(i)) return true;
      const json = JSON.stringify(entries[i].build());
      const tmp = `${files[i]}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, json);
      fs.renameSync(tmp, files[i]);
      values[i] = { value: JSON.parse(json) };
      // Values of older sources are never read again.
      for (const f of fs.readdirSync(dir)) {
        if (f.startsWith(`${entries[i].name}-`) && f.endsWith('.json') && path.join(dir, f) !== files[i]) {
          fs.rmSync(path.join(dir, f), { force: true });
        }
      }
      return true;
    } finally {
      fs.rmSync(lock, { force: true });
    }
  };
  // First the values nobody is building, then wait for (or take over) the others.
  for (let i = 0; i < entries.length; i++) if (!read(i)) buildIfFree(i);
  for (let i = 0; i < entries.length; i++) {
    const since = Date.now();
    while (!read(i) && !buildIfFree(i)) {
      // Not a time limit on the build: a guard against waiting forever on a lock nobody will release.
      if (Date.now() - since > 30 * 60_000) throw new Error(`${files[i]}.lock: still held after 30 minutes`);
      sleep(100);
    }
  }
  return values.map((v) => v.value) as T;
}

/** Creates `lock` holding this process's pid; takes it over when its process is gone. */
function takeLock(lock: string): boolean {
  try {
    fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  let text: string;
  try {
    text = fs.readFileSync(lock, 'utf8');
  } catch {
    return false; // released meanwhile: the caller looks for the value again
  }
  // Empty: its creator is writing its pid. Alive: it is building.
  if (text === '' || isAlive(Number(text))) return false;
  // Its builder died: take it over. (Two waiters may both do so and both build: the value is the same, written whole.)
  fs.rmSync(lock, { force: true });
  try {
    fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
    return true;
  } catch {
    return false;
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Blocks this thread for `ms` without using the CPU. */
function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
