import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiChecks } from '../scripts/lib/api-checks';

const ROOT = path.join(__dirname, '..');

/**
 * The API guards `npm test` runs after `npm run compile` (`npm run api:check`: scripts/check-api.ts, with the
 * checks in scripts/lib/api-checks.ts) must fail when the code and what is committed disagree. Each test feeds the
 * same checks a copy that disagrees in one way and expects them to refuse; `npm run api:check` itself runs them
 * against what is committed.
 */
describe('public API checks', () => {
  let work: string;
  let checks: ApiChecks;

  beforeAll(() => {
    // npm test compiles first; a lone `npx jest test/api.test.ts` compiles here.
    if (!fs.existsSync(path.join(ROOT, '.jsii'))) {
      execFileSync('npm', ['run', 'compile'], { cwd: ROOT, stdio: 'pipe' });
    }
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'api-test-'));
    checks = new ApiChecks(ROOT);
  }, 300_000);

  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  /** A baseline directory like api-baseline/ holding `assembly`. */
  const baselineWith = (name: string, assembly: unknown) => {
    const dir = path.join(work, name);
    fs.mkdirSync(dir);
    fs.copyFileSync(path.join(ROOT, 'api-baseline', 'package.json'), path.join(dir, 'package.json'));
    fs.writeFileSync(path.join(dir, '.jsii'), JSON.stringify(assembly));
    return dir;
  };
  const currentAssembly = () => JSON.parse(fs.readFileSync(path.join(ROOT, '.jsii'), 'utf8'));

  test('the committed baseline is a jsii package jsii-diff can load', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'api-baseline', 'package.json'), 'utf8'));
    const baseline = JSON.parse(fs.readFileSync(path.join(ROOT, 'api-baseline', '.jsii'), 'utf8'));
    expect(pkg.jsii).toBeDefined();
    expect(baseline.name).toBe('cdk-compute-patterns');
    expect(Object.keys(baseline.types)).toContain('cdk-compute-patterns.HighlyAvailableFleet');
  });

  test('fails when the code removes a public method the baseline has', async () => {
    // GIVEN a baseline whose HighlyAvailableFleet has one more method than the code
    const assembly = currentAssembly();
    const fleet = assembly.types['cdk-compute-patterns.HighlyAvailableFleet'];
    fleet.methods = [...(fleet.methods ?? []), { name: 'drainAll', docs: { summary: 'Removed since.' } }];
    const baselineDir = baselineWith('baseline', assembly);

    // WHEN the API diff runs against it
    const result = await checks.checkDiff(baselineDir);

    // THEN it fails, names the removed method as jsii-diff does and says how to proceed
    expect(result.ok).toBe(false);
    const text = result.messages.join('\n');
    expect(text).toContain(
      'err  - METHOD cdk-compute-patterns.HighlyAvailableFleet.drainAll: has been removed [removed:cdk-compute-patterns.HighlyAvailableFleet.drainAll]',
    );
    expect(text).toContain('check-api: the public API breaks compatibility with');
    expect(text).toContain('run `npm run api:baseline` in the same commit');
  });

  test('fails when the code makes an optional prop required', async () => {
    // GIVEN a baseline in which one prop the code requires is optional
    const assembly = currentAssembly();
    const [fqn, prop] = Object.entries<{
      kind: string;
      datatype?: boolean;
      properties?: { name: string; optional?: boolean }[];
    }>(assembly.types).flatMap(([f, t]) =>
      t.datatype ? (t.properties ?? []).filter((p) => !p.optional).map((p) => [f, p] as const) : [],
    )[0];
    prop.optional = true;
    const baselineDir = baselineWith('optional', assembly);

    // WHEN / THEN the API diff names the prop that became required
    const result = await checks.checkDiff(baselineDir);
    expect(result.ok).toBe(false);
    expect(result.messages.join('\n')).toContain(`${fqn}: newly required property '${prop.name}' used to be optional`);
  });

  test('passes when the baseline is the current assembly', async () => {
    // GIVEN a baseline that is the code's own assembly
    const baselineDir = baselineWith('same', currentAssembly());

    // WHEN / THEN the API diff accepts it and prints nothing
    await expect(checks.checkDiff(baselineDir)).resolves.toEqual({ ok: true, messages: [] });
  });

  test('fails when API.md is not what jsii-docgen generates', async () => {
    // GIVEN an API.md that lags the code by one line
    const stale = path.join(work, 'API.md');
    fs.writeFileSync(stale, fs.readFileSync(path.join(ROOT, 'API.md'), 'utf8').replace(/\n[^\n]+\n*$/, '\n'));

    // WHEN the currency check runs against it
    const result = await checks.checkDocs(stale);

    // THEN it fails and says how to fix it
    expect(result).toEqual({
      ok: false,
      messages: [
        `check-api: ${path.relative(ROOT, stale)} is not what jsii-docgen generates from the code; run \`npm run docgen\` and commit API.md`,
      ],
    });
  });

  test('passes when API.md is what jsii-docgen generates', async () => {
    const copy = path.join(work, 'API-current.md');
    fs.writeFileSync(copy, await checks.apiMarkdown());
    await expect(checks.checkDocs(copy)).resolves.toEqual({ ok: true, messages: [] });
  });
});
