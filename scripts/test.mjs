// `npm test`: the same steps as before, scheduled so that both cores of a small machine stay busy to the end.
//
//   1. build:assets                        (the bundles: jest, ESLint and the API checks read assets/)
//   2. compile (jsii) and static-checks    (static-checks: tsc --noEmit, ESLint and Prettier over ONE TypeScript
//      at once                              program, scripts/static-checks.mjs; `npm run lint` / `typecheck` check
//                                           the same. It reads only the sources, so it starts beside the compile,
//                                           which keeps one core: about 13 s in which a core was idle before)
//   3. once the compile is done:
//        jest                              (every core; its own progress and summary on the terminal; the API and
//                                           packaging tests read the .jsii the compile wrote)
//        api:check                         (API.md currency and jsii-diff, reading the same .jsii)
//      static-checks goes on beside them.
//
// Before issue 19's measurements the checks ran before jest, in two lanes of unequal length (about 20 s and 31 s
// on this 2-core machine), so one core waited for the longer lane, and at jest's end one worker waited for the last
// file. Run beside jest, the checks fill those gaps. CPU is the limit on 2 cores, so nothing runs twice and nothing
// extra is started: the same steps, only overlapped.
//
// Every step is the npm script of the same name, so `npm run lint` etc. stay the way to run one step. The checks'
// output is printed whole when they fail (after jest's summary, never interleaved with it), and not at all when they
// pass. Any failing step fails `npm test`; a failing build or compile stops it before jest starts (after the static
// checks finish, so that their report is printed too).
import { spawn } from 'node:child_process';

/** Runs `npm run <script>`; captured output (printed only on failure) or the terminal. Resolves to the exit code. */
function run(script, { args = [], inherit = false } = {}) {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', script, ...(args.length ? ['--', ...args] : [])], {
      stdio: inherit ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    });
    const out = [];
    child.stdout?.on('data', (d) => out.push(d));
    child.stderr?.on('data', (d) => out.push(d));
    child.on('close', (code, signal) => {
      resolve({ script, code: code ?? 1, signal, text: Buffer.concat(out).toString('utf8') });
    });
  });
}

/** Prints a failed step's captured output and what failed; returns its exit code. */
function report({ script, code, signal, text }) {
  if (code === 0) return 0;
  if (text.trim()) process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  console.error(`npm test: \`npm run ${script}\` failed (${signal ?? `exit code ${code}`})`);
  return code;
}

const jestArgs = process.argv.slice(2);
let code = report(await run('build:assets'));
if (code !== 0) process.exit(code);
const staticChecks = run('static-checks');
code = report(await run('compile'));
if (code !== 0) {
  report(await staticChecks);
  process.exit(code);
}
const checks = Promise.all([run('api:check'), staticChecks]);
const jest = await run('test:jest', { args: jestArgs, inherit: true });
if (jest.code !== 0)
  console.error(`npm test: \`npm run test:jest\` failed (${jest.signal ?? `exit code ${jest.code}`})`);
const codes = [jest.code, ...(await checks).map(report)];
process.exit(codes.find((c) => c !== 0) ?? 0);
