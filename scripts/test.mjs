// `npm test`: the same steps as before, run so that both cores of a small machine are busy.
//
//   1. build:assets                        (jest and ESLint read assets/)
//   2. two lanes at once:
//        compile (jsii) -> api:check       (api:check reads the .jsii compile writes)
//        static-checks                     (tsc --noEmit, ESLint and Prettier over ONE TypeScript program:
//                                           scripts/static-checks.mjs; `npm run lint` / `typecheck` check the same)
//   3. jest                                (its api test reads .jsii, so it starts after lane 1)
//
// Every step is the npm script of the same name, so `npm run lint` etc. stay the way to run one step. A step's
// output is printed whole when it fails (never interleaved with the other lane's), and not at all when it passes.
// A failing step fails `npm test` as `&&` did: the other lane finishes, and jest does not start.
import { spawn } from 'node:child_process';

/** Runs `npm run <script>` with its output captured; resolves to its exit code. */
function run(script, extraArgs = []) {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', script, ...(extraArgs.length ? ['--', ...extraArgs] : [])], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => out.push(d));
    child.on('close', (code, signal) => {
      const text = Buffer.concat(out).toString('utf8');
      // Quiet when it passes (issue 19: the test summary and the compliance table, nothing else); whole when it fails.
      if (code !== 0 && text.trim()) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
      if (code !== 0) console.error(`npm test: \`npm run ${script}\` failed (${signal ?? `exit code ${code}`})`);
      resolve(code ?? 1);
    });
  });
}

/** Runs the scripts one after the other, stopping at the first failure. */
async function lane(...scripts) {
  for (const s of scripts) {
    const code = await run(s);
    if (code !== 0) return code;
  }
  return 0;
}

/** Runs `npm run <script>` with the terminal (jest draws its own progress and summary). */
function runInherit(script, args) {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', script, ...(args.length ? ['--', ...args] : [])], {
      stdio: 'inherit',
    });
    child.on('close', (code, signal) => {
      if (code !== 0) console.error(`npm test: \`npm run ${script}\` failed (${signal ?? `exit code ${code}`})`);
      resolve(code ?? 1);
    });
  });
}

const jestArgs = process.argv.slice(2);
let code = await lane('build:assets');
if (code === 0) {
  const codes = await Promise.all([lane('compile', 'api:check'), lane('static-checks')]);
  code = codes.find((c) => c !== 0) ?? 0;
}
if (code === 0) code = await runInherit('test:jest', jestArgs);
process.exit(code);
