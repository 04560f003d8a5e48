import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');
const CHECK_API = path.join(ROOT, 'scripts', 'check-api.mjs');

/**
 * The API guards `npm test` runs after `npm run compile` (scripts/check-api.mjs) must fail when the code and what
 * is committed disagree. Each test feeds the real check a copy that disagrees in one way and expects it to refuse.
 */
describe('public API checks', () => {
  let work: string;

  beforeAll(() => {
    // npm test compiles first; a lone `npx jest test/api.test.ts` compiles here.
    if (!fs.existsSync(path.join(ROOT, '.jsii'))) {
      execFileSync('npm', ['run', 'compile'], { cwd: ROOT, stdio: 'pipe' });
    }
    // Inside the package, so that jsii-diff resolves aws-cdk-lib and constructs from its node_modules.
    const cache = path.join(ROOT, 'node_modules', '.cache');
    fs.mkdirSync(cache, { recursive: true });
    work = fs.mkdtempSync(path.join(cache, 'api-test-'));
  }, 300_000);

  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  const checkApi = (...args: string[]) =>
    spawnSync(process.execPath, [CHECK_API, ...args], { cwd: ROOT, encoding: 'utf8' });

  test('the committed baseline is a jsii package jsii-diff can load', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'api-baseline', 'package.json'), 'utf8'));
    const baseline = JSON.parse(fs.readFileSync(path.join(ROOT, 'api-baseline', '.jsii'), 'utf8'));
    expect(pkg.jsii).toBeDefined();
    expect(baseline.name).toBe('cdk-compute-patterns');
    expect(Object.keys(baseline.types)).toContain('cdk-compute-patterns.HighlyAvailableFleet');
  });

  test('fails when the code removes a public method the baseline has', () => {
    // GIVEN a baseline whose HighlyAvailableFleet has one more method than the code
    const baselineDir = path.join(work, 'baseline');
    fs.mkdirSync(baselineDir);
    fs.copyFileSync(path.join(ROOT, 'api-baseline', 'package.json'), path.join(baselineDir, 'package.json'));
    const assembly = JSON.parse(fs.readFileSync(path.join(ROOT, '.jsii'), 'utf8'));
    const fleet = assembly.types['cdk-compute-patterns.HighlyAvailableFleet'];
    fleet.methods = [...(fleet.methods ?? []), { name: 'drainAll', docs: { summary: 'Removed since.' } }];
    fs.writeFileSync(path.join(baselineDir, '.jsii'), JSON.stringify(assembly));

    // WHEN the API diff runs against it
    const result = checkApi('--only', 'diff', '--baseline', baselineDir);

    // THEN it fails, names the removed method and says how to proceed
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('cdk-compute-patterns.HighlyAvailableFleet.drainAll');
    expect(result.stderr).toContain('check-api: the public API breaks compatibility with');
    expect(result.stderr).toContain('run `npm run api:baseline` in the same commit');
  });

  test('passes when the baseline is the current assembly', () => {
    // GIVEN a baseline that is the code's own assembly
    const baselineDir = path.join(work, 'same');
    fs.mkdirSync(baselineDir);
    fs.copyFileSync(path.join(ROOT, 'api-baseline', 'package.json'), path.join(baselineDir, 'package.json'));
    fs.copyFileSync(path.join(ROOT, '.jsii'), path.join(baselineDir, '.jsii'));

    // WHEN / THEN the API diff accepts it
    const result = checkApi('--only', 'diff', '--baseline', baselineDir);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  test('fails when API.md is not what jsii-docgen generates', () => {
    // GIVEN an API.md that lags the code by one line
    const stale = path.join(work, 'API.md');
    fs.writeFileSync(stale, fs.readFileSync(path.join(ROOT, 'API.md'), 'utf8').replace(/\n[^\n]+\n*$/, '\n'));

    // WHEN the currency check runs against it
    const result = checkApi('--only', 'docs', '--api-md', stale);

    // THEN it fails and says how to fix it
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      `check-api: ${path.relative(ROOT, stale)} is not what jsii-docgen generates from the code; run \`npm run docgen\` and commit API.md`,
    );
  });
});
