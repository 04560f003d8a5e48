// Checks the public API against what is committed (run by `npm test` after `npm run compile`; the checks are in
// scripts/lib/api-checks.ts):
//  1. API.md is what jsii-docgen generates from the current assembly (.jsii), so the reference never lags the code;
//  2. jsii-diff finds no breaking change between api-baseline/ (the API of the last release) and the current
//     assembly. Additions pass; a removal, a narrowed type or a newly required prop fails.
// `--write-api-md` writes API.md from the current assembly (npm run docgen). `--update-baseline` copies the current
// assembly to api-baseline/ (an intended breaking change: do it in the same commit as the change and its CHANGELOG
// entry). `--api-md <file>` and `--baseline <dir>` point the checks elsewhere and `--only docs|diff` runs one check.
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ApiChecks } from './lib/api-checks';

async function main(): Promise<number> {
  const root = join(__dirname, '..');
  const args = process.argv.slice(2);
  const option = (name: string, fallback?: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : fallback;
  };
  const baseline = option('--baseline', join(root, 'api-baseline'))!;
  const apiMd = option('--api-md', join(root, 'API.md'))!;
  const only = option('--only');
  const checks = new ApiChecks(root);

  if (!existsSync(checks.assemblyFile)) {
    console.error('check-api: no .jsii assembly; run `npm run compile` first');
    return 1;
  }
  if (args.includes('--update-baseline')) {
    copyFileSync(checks.assemblyFile, join(baseline, '.jsii'));
    console.log(`check-api: ${relative(root, join(baseline, '.jsii'))} updated from the current assembly`);
    return 0;
  }
  if (args.includes('--write-api-md')) {
    writeFileSync(apiMd, await checks.apiMarkdown());
    console.log(`check-api: ${relative(root, apiMd)} written from the current assembly`);
    return 0;
  }

  const results = [
    ...(only !== 'diff' ? [await checks.checkDocs(apiMd)] : []),
    ...(only !== 'docs' ? [await checks.checkDiff(baseline)] : []),
  ];
  for (const message of results.flatMap((r) => r.messages)) console.error(message);
  if (results.some((r) => !r.ok)) return 1;
  console.log(
    only === 'docs'
      ? 'check-api: API.md is current'
      : only === 'diff'
        ? `check-api: no breaking change against ${relative(root, baseline)}`
        : 'check-api: API.md is current; no breaking change against api-baseline/',
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    console.error(e.message);
    process.exit(2);
  },
);
