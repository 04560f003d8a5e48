// Jest test environment: jest-environment-node, plus what one jest worker process shares between the test files it
// runs (jest.config.js `testEnvironment`).
//
// Jest gives every test file a fresh module registry, so everything a test file loads is loaded again for the next
// file. That is what isolates the tests, and it is right for the code under test. It is wasteful for one thing that
// holds no state a test can see: aws-cdk-lib's built-in template validation (the `@aws-cdk/core:validateAgainstDefaultRules`
// flag in cdk.json, which the tests set as `cdk synth` does). Every synthesis runs `@aws/cloudformation-validate`, a
// WebAssembly engine; constructing it takes about 4 CPU seconds (it loads the CloudFormation resource schemas), and
// aws-cdk-lib constructs a new one in every test file, and again whenever a synthesis meets a resource type the
// previous engine was not built for. Measured: 45% of the CPU time of test/batch/batch-job-queue.test.ts.
//
// This environment is loaded once per worker process (Node's own require, outside the per-file registries). It loads
// the engine's package once and keeps one engine per configuration; jest.config.js maps `@aws/cloudformation-validate`
// to ./cfn-validate-shared.js, which hands aws-cdk-lib these engines. The engine is the same code with the same
// configuration (aws-cdk-lib's rules and schemas, picked the way aws-cdk-lib picks them), so every synthesis is
// validated exactly as before; only the construction is shared. `free()` from aws-cdk-lib is a no-op on a shared
// engine: the worker owns it and it lives until the worker exits.
const fs = require('node:fs');
const path = require('node:path');
const { TestEnvironment: NodeEnvironment } = require('jest-environment-node');

/** The key under which a test file's global finds the worker's shared objects. */
const WORKER_SHARED = Symbol.for('cdk-compute-patterns.worker-shared');

/** The `@aws/cloudformation-validate` that aws-cdk-lib itself resolves (it is a dependency of aws-cdk-lib). */
function cloudFormationValidatePath() {
  const cdkRoot = path.dirname(require.resolve('aws-cdk-lib/package.json'));
  return require.resolve('@aws/cloudformation-validate', { paths: [cdkRoot] });
}

/**
 * The engine checks that its inputs are plain objects, arrays, maps and primitives of its own realm; a test file's
 * objects come from the file's own realm (its vm context). A structured clone made here is the same value in this
 * realm. Objects of this realm (a `TemplateContent` made by the shared package) pass unchanged.
 */
function toWorkerRealm(value) {
  return typeof value === 'object' && value !== null && !(value instanceof Object) ? structuredClone(value) : value;
}

let cfnValidateModule;
const engines = new Map();
const stats = { constructed: 0, reused: 0 };

/**
 * `@aws/cloudformation-validate` as aws-cdk-lib sees it, except that `new CompositeEngine(config)` returns the
 * worker's engine for an identical configuration (constructing it the first time).
 */
function cfnValidate() {
  if (cfnValidateModule) return cfnValidateModule;
  const real = require(cloudFormationValidatePath());
  class SharedCompositeEngine {
    constructor(config) {
      const key = JSON.stringify(config ?? {});
      let engine = engines.get(key);
      if (engine) {
        stats.reused += 1;
      } else {
        engine = new real.CompositeEngine(toWorkerRealm(config));
        engines.set(key, engine);
        stats.constructed += 1;
      }
      // A constructor that returns an object makes `new` return it: the real engine, with `free()` disarmed.
      return new Proxy(engine, {
        get(target, prop) {
          if (prop === 'free') return () => undefined;
          const value = Reflect.get(target, prop, target);
          return typeof value === 'function' ? (...args) => value.apply(target, args.map(toWorkerRealm)) : value;
        },
      });
    }
  }
  cfnValidateModule = { ...real, CompositeEngine: SharedCompositeEngine };
  Object.defineProperty(cfnValidateModule, '__esModule', { value: true });
  return cfnValidateModule;
}

/**
 * V8 code cache for the modules jest compiles. Jest compiles every module a test file loads with `vm.compileFunction`
 * in the file's own context, and because it passes `importModuleDynamically`, Node.js gives V8's in-process
 * compilation cache no chance to help: aws-cdk-lib's modules are parsed again for every test file (measured: 9% of a
 * construct suite's CPU). Here the first compile of a module in this worker also produces V8's code cache for it, and
 * later compiles of the same source hand that cache back, which V8 deserializes instead of parsing. Code caches hold
 * compiled code only, no objects of any context, so every test file still gets its own module instances and
 * globals; V8 rejects a cache that does not fit (then this compiles as before). A cache is reused only for the
 * identical source text of the same file.
 */
const vm = require('node:vm');

const codeCaches = new Map();
const compileFunction = vm.compileFunction;
if (!compileFunction.withCodeCache) {
  vm.compileFunction = function compileFunctionWithCodeCache(code, params, options = {}) {
    const filename = options.filename;
    if (typeof filename !== 'string' || options.cachedData !== undefined || options.produceCachedData) {
      return compileFunction(code, params, options);
    }
    const cached = codeCaches.get(filename);
    if (cached && cached.code === code) {
      const fn = compileFunction(code, params, { ...options, cachedData: cached.data });
      if (!fn.cachedDataRejected) return fn;
    }
    const fn = compileFunction(code, params, { ...options, produceCachedData: true });
    if (fn.cachedData) codeCaches.set(filename, { code, data: fn.cachedData });
    return fn;
  };
  vm.compileFunction.withCodeCache = true;
}

/**
 * A jest worker ends when jest has no more test files for it: jest-worker removes its IPC listener, the event loop
 * empties, and jest waits 500 ms (`workerGracefulExitTimeout`) before it kills the worker and prints "A worker
 * process has failed to exit gracefully". Measured (issue 19): both workers reached 'beforeExit' and 'exit' within
 * 1 ms of the listener's removal, with no handle left but their stdio pipes, and were still killed 500 ms later:
 * Node's natural end tears down the whole V8 heap (here over a gigabyte, with aws-cdk-lib's validation engines and
 * the code caches) before the process ends, and on a busy 2-core machine that sometimes takes longer. Nothing is
 * left to run at that point, so the worker ends the process itself as soon as its loop is empty. While jest has
 * work for the worker its IPC listener keeps the loop busy, so this runs only at the end.
 */
process.once('beforeExit', (code) => process.exit(code));

/**
 * CPU seconds used so far by the child processes this worker has waited for (cfn-guard, npm, jsii, LibreOffice):
 * fields 16-17 (cutime, cstime) of /proc/self/stat, in clock ticks (100 per second on Linux). 0 elsewhere.
 */
function childCpuSeconds() {
  try {
    const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return 0;
  }
}

class WorkerEnvironment extends NodeEnvironment {
  constructor(config, context) {
    super(config, context);
    this.global[WORKER_SHARED] = { cfnValidate, cfnValidateStats: stats };
    // JEST_CPU_LOG=<file>: append one line per test file (self CPU s, children CPU s, wall s, path) to see where
    // `npm test`'s time goes (issue 19). Self CPU is this worker's, which runs one file at a time.
    this.cpuLog = process.env.JEST_CPU_LOG
      ? { path: context.testPath, cpu: process.cpuUsage(), children: childCpuSeconds(), started: Date.now() }
      : undefined;
  }

  async teardown() {
    if (this.cpuLog) {
      const self = process.cpuUsage(this.cpuLog.cpu);
      const line = [
        ((self.user + self.system) / 1e6).toFixed(1),
        (childCpuSeconds() - this.cpuLog.children).toFixed(1),
        ((Date.now() - this.cpuLog.started) / 1000).toFixed(1),
        path.relative(process.cwd(), this.cpuLog.path),
      ];
      fs.appendFileSync(process.env.JEST_CPU_LOG, `${line.join('\t')}\n`);
    }
    if (process.env.DEBUG_WORKER_SHARED) process.stderr.write(`worker ${process.pid} ${JSON.stringify(stats)}\n`);
    await super.teardown();
  }
}

module.exports = WorkerEnvironment;
module.exports.WORKER_SHARED = WORKER_SHARED;
