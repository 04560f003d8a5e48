// `npm run static-checks` (part of `npm test`): `tsc --noEmit`, ESLint and `prettier --check .` in one process, with
// ONE TypeScript program.
//
// `tsc --noEmit` builds and type-checks a program of every file tsconfig.json includes. ESLint's one type-aware rule
// (`@typescript-eslint/no-floating-promises`) needs type information for the same files, and with `projectService`
// (eslint.config.mjs) typescript-eslint builds that program a second time, through TypeScript's language service.
// Here the program is built once: its diagnostics are what `tsc --noEmit` reports, and ESLint gets it through the
// parser's `programs` option (typescript-eslint reads types from it instead of building its own). Same tsconfig, same
// files, same rules: `npm run typecheck` and `npm run lint` report what this reports, they only take longer together.
//
// Output: tsc's diagnostics (as `tsc --noEmit --pretty` prints them), ESLint's stylish report, Prettier's list of
// unformatted files. Exit code 1 if any of the three found something, 2 if one of them could not run.
//
//   node scripts/static-checks.mjs                 check this project
//   node scripts/static-checks.mjs --root <dir>    check another project (its tsconfig.json, ESLint and Prettier
//                                                  configs; test/harness.test.ts runs it on small fixtures)
import { execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import ts from 'typescript';

const project = join(dirname(fileURLToPath(import.meta.url)), '..');
const rootArg = process.argv.indexOf('--root');
const root = rootArg >= 0 ? resolve(process.argv[rootArg + 1]) : project;

/** tsconfig.json as `tsc -p .` reads it. */
function parsedConfig() {
  const diagnostics = [];
  const parsed = ts.getParsedCommandLineOfConfigFile(
    join(root, 'tsconfig.json'),
    { noEmit: true },
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => diagnostics.push(d) },
  );
  if (!parsed) return { diagnostics };
  return { parsed, diagnostics: [...diagnostics, ...parsed.errors] };
}

const formatHost = {
  getCanonicalFileName: (f) => f,
  getCurrentDirectory: () => root,
  getNewLine: () => '\n',
};

function reportTypeScript(diagnostics) {
  if (diagnostics.length === 0) return;
  const pretty = process.stdout.isTTY || process.env.FORCE_COLOR;
  process.stdout.write(
    pretty
      ? ts.formatDiagnosticsWithColorAndContext(diagnostics, formatHost)
      : ts.formatDiagnostics(diagnostics, formatHost),
  );
  process.stdout.write(`\nFound ${diagnostics.length} TypeScript error${diagnostics.length === 1 ? '' : 's'}.\n`);
}

let failed = false;

// 1. The program, and `tsc --noEmit`'s diagnostics.
const { parsed, diagnostics: configDiagnostics } = parsedConfig();
if (!parsed || configDiagnostics.length > 0) {
  reportTypeScript(configDiagnostics);
  process.exit(2);
}
const program = ts.createProgram({
  rootNames: parsed.fileNames,
  options: parsed.options,
  projectReferences: parsed.projectReferences,
});
const typeErrors = ts.getPreEmitDiagnostics(program);
reportTypeScript(typeErrors);
failed ||= typeErrors.length > 0;

// 2. ESLint over the same files, its type information read from that program.
const eslint = new ESLint({
  cwd: root,
  overrideConfig: [
    {
      files: ['**/*.ts'],
      languageOptions: { parserOptions: { projectService: false, programs: [program] } },
    },
  ],
});
const results = await eslint.lintFiles(['.']);
const formatter = await eslint.loadFormatter('stylish');
const lintReport = await formatter.format(results);
if (lintReport) process.stdout.write(lintReport.endsWith('\n') ? lintReport : `${lintReport}\n`);
failed ||= results.some((r) => r.errorCount > 0 || r.fatalErrorCount > 0);

// 3. Prettier (its own process: the CLI is what `npm run lint` runs, and it needs no program).
try {
  execFileSync(join(project, 'node_modules', '.bin', 'prettier'), ['--check', '--log-level', 'warn', '.'], {
    cwd: root,
    stdio: 'inherit',
  });
} catch (e) {
  if (typeof e.status !== 'number') throw e;
  failed = true;
}

process.exit(failed ? 1 : 0);
