/**
 * The test harness's own speed mechanisms (test/support/README.md) keep every check they speed up.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { testApp } from './support/cdk-context';
import { shared, sourceHash } from './support/shared';

interface WorkerShared {
  readonly cfnValidateStats: { readonly constructed: number; readonly reused: number };
}

function workerShared(): WorkerShared | undefined {
  return (globalThis as Record<symbol, WorkerShared | undefined>)[Symbol.for('cdk-compute-patterns.worker-shared')];
}

function stackWith(type: string, properties: Record<string, unknown>): Stack {
  const stack = new Stack(testApp(), 'Harness');
  new CfnResource(stack, 'Resource', { type, properties });
  return stack;
}

describe("aws-cdk-lib's template validation (one engine per jest worker)", () => {
  test('still fails a synthesis whose template breaks a CloudFormation resource schema', () => {
    // GIVEN a bucket name CloudFormation rejects (upper case and an underscore)
    const stack = stackWith('AWS::S3::Bucket', { BucketName: 'Not_Valid' });
    // WHEN the stack is synthesized THEN the validation report fails the synthesis with the schema rule
    expect(() => Template.fromStack(stack)).toThrow(
      /BucketName: 'Not_Valid' does not match pattern[\s\S]*CloudFormation-Validate::F3031/,
    );
  });

  test('still reports a schema error of a resource type the first synthesis did not have', () => {
    // GIVEN a valid bucket synthesized first, then a queue with a property SQS does not have
    Template.fromStack(stackWith('AWS::S3::Bucket', { BucketName: 'valid-name' }));
    const stack = stackWith('AWS::SQS::Queue', { NotAQueueProperty: 1 });
    // WHEN the second stack is synthesized THEN its error is reported
    expect(() => Template.fromStack(stack)).toThrow(/'NotAQueueProperty' was unexpected/);
  });

  test('is constructed once by the worker and reused by every later synthesis', () => {
    // GIVEN the test environment (jest.config.js testEnvironment) and a first synthesis
    Template.fromStack(stackWith('AWS::SNS::Topic', {}));
    const shared = workerShared();
    expect(shared).toBeDefined();
    const before = { ...shared!.cfnValidateStats };
    // WHEN stacks with resource types no earlier synthesis had are synthesized (aws-cdk-lib asks for a new engine)
    Template.fromStack(stackWith('AWS::Logs::LogGroup', { RetentionInDays: 7 }));
    Template.fromStack(stackWith('AWS::SSM::Parameter', { Type: 'String', Value: 'v' }));
    // THEN no engine is constructed again: the worker's one serves them
    expect(shared!.cfnValidateStats.constructed).toBe(before.constructed);
    expect(shared!.cfnValidateStats.reused).toBeGreaterThanOrEqual(before.reused + 2);
  });
});

describe('npm run static-checks (tsc --noEmit, ESLint and Prettier over one TypeScript program)', () => {
  const script = path.join(__dirname, '..', 'scripts', 'static-checks.mjs');

  /** A small project: its own tsconfig.json, an ESLint config with the type-aware rule, and the given files. */
  function fixture(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'static-checks-'));
    fs.symlinkSync(path.join(__dirname, '..', 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    const config = {
      compilerOptions: { strict: true, target: 'ES2022', module: 'commonjs', lib: ['ES2022'], types: [] },
      include: ['*.ts'],
    };
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), `${JSON.stringify(config, null, 2)}\n`);
    fs.writeFileSync(
      path.join(dir, 'eslint.config.mjs'),
      [
        "import tseslint from 'typescript-eslint';",
        '',
        'export default tseslint.config({',
        "  files: ['**/*.ts'],",
        '  languageOptions: {',
        '    parser: tseslint.parser,',
        '    parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },',
        '  },',
        "  plugins: { '@typescript-eslint': tseslint.plugin },",
        "  rules: { '@typescript-eslint/no-floating-promises': 'error' },",
        '});',
        '',
      ].join('\n'),
    );
    fs.writeFileSync(path.join(dir, '.prettierignore'), 'node_modules\neslint.config.mjs\ntsconfig.json\n');
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    return dir;
  }

  function run(dir: string): { code: number; output: string } {
    const result = spawnSync(process.execPath, [script, '--root', dir], { encoding: 'utf8' });
    fs.rmSync(dir, { recursive: true, force: true });
    // Without colours: Prettier and ESLint colour their output when CI is set (as in .ci/run), even into a pipe.
    return { code: result.status ?? -1, output: stripVTControlCharacters(`${result.stdout}${result.stderr}`) };
  }

  const later = 'export async function later(): Promise<void> {}\n';

  test('passes a project with no type error, no lint finding and formatted files, printing nothing', () => {
    // GIVEN a clean project WHEN checked THEN it exits 0 and prints nothing
    const { code, output } = run(
      fixture({
        'later.ts': later,
        'use.ts':
          'import { later } from "./later";\n\nexport async function use(): Promise<void> {\n  await later();\n}\n',
      }),
    );
    expect(output).toBe('');
    expect(code).toBe(0);
  });

  test('fails a project with a type error, a floating promise and an unformatted file, reporting each', () => {
    // GIVEN a type error, a promise nobody awaits (a type-aware rule: ESLint needs the shared program's types) and a
    // file Prettier would reformat
    const dir = fixture({
      'later.ts': later,
      'typed.ts': 'export const n: number = "text";\n',
      'floating.ts': 'import { later } from "./later";\n\nexport function go(): void {\n  later();\n}\n',
      'unformatted.ts': 'export const   spaced = 1\n',
    });
    // WHEN checked
    const { code, output } = run(dir);
    // THEN all three are reported and it fails
    expect(output).toContain("typed.ts(1,14): error TS2322: Type 'string' is not assignable to type 'number'.");
    expect(output).toMatch(
      /floating\.ts\n\s+4:3\s+error\s+Promises must be awaited.*@typescript-eslint\/no-floating-promises/,
    );
    expect(output).toContain('[warn] unformatted.ts');
    expect(code).toBe(1);
  });
});

describe('values shared by every test file of a jest run (shared() in test/support/shared.ts)', () => {
  /** A source tree (lib/) and a cache directory of its own. */
  function fixture(): { root: string; dir: string; options: { root: string; dir: string; inputs: string[] } } {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'shared-'));
    fs.mkdirSync(path.join(root, 'lib'));
    fs.writeFileSync(path.join(root, 'lib', 'index.ts'), 'export const version = 1;\n');
    const dir = path.join(root, 'cache');
    return { root, dir, options: { root, dir, inputs: ['lib'] } };
  }

  test('is built once and read by every later caller; an edit to a source file gives a new key, never the stale value', () => {
    const { root, options } = fixture();
    try {
      // GIVEN a value built from the sources
      let builds = 0;
      const entry = { name: 'value', build: () => ({ builds: ++builds, at: 'first' }) };
      expect(shared(entry, options)).toEqual({ builds: 1, at: 'first' });
      // WHEN another caller (another test file, another worker) asks for it THEN it reads it, no second build
      expect(shared({ ...entry, build: () => ({ builds: ++builds, at: 'second' }) }, options)).toEqual({
        builds: 1,
        at: 'first',
      });
      // WHEN a source file changes THEN the key changes and the value is built again
      const before = sourceHash(root, ['lib']);
      fs.writeFileSync(path.join(root, 'lib', 'index.ts'), 'export const version = 2;\n');
      const after = sourceHash(`${root}/`, ['lib']); // (sourceHash remembers a root's hash within a file)
      expect(after).not.toEqual(before);
      expect(shared(entry, { ...options, root: `${root}/` })).toEqual({ builds: 2, at: 'first' });
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  test('a caller that finds the value being built waits for that build instead of building it again', async () => {
    const { root, dir, options } = fixture();
    try {
      // GIVEN another process holding the lock, which writes the value a moment later
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `value-${sourceHash(root, ['lib'])}.json`);
      const script = [
        "const fs = require('node:fs');",
        `fs.writeFileSync(${JSON.stringify(`${file}.lock`)}, String(process.pid), { flag: 'wx' });`,
        'setTimeout(() => {',
        `  fs.writeFileSync(${JSON.stringify(file)}, JSON.stringify({ builtBy: 'other' }));`,
        `  fs.rmSync(${JSON.stringify(`${file}.lock`)});`,
        '}, 1000);',
      ].join('\n');
      const other = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
      const exited = new Promise((resolve) => other.on('exit', resolve));
      while (!fs.existsSync(`${file}.lock`)) await new Promise((resolve) => setTimeout(resolve, 20));
      // WHEN this caller asks for the value
      let built = false;
      const value = shared({ name: 'value', build: () => ((built = true), { builtBy: 'this' }) }, options);
      // THEN it got the other process's value and built nothing
      expect(value).toEqual({ builtBy: 'other' });
      expect(built).toBe(false);
      await exited;
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  test('a lock left by a process that died is taken over, and a build that throws leaves no value behind', () => {
    const { root, dir, options } = fixture();
    try {
      // GIVEN a lock holding the pid of a process that has exited
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, `value-${sourceHash(root, ['lib'])}.json`);
      const dead = spawnSync(process.execPath, ['-e', '']).pid;
      fs.writeFileSync(`${file}.lock`, String(dead));
      // WHEN a build throws THEN the error reaches the caller, and nothing is written or left locked
      expect(() =>
        shared(
          {
            name: 'value',
            build: () => {
              throw new Error('synthesis failed');
            },
          },
          options,
        ),
      ).toThrow('synthesis failed');
      expect(fs.existsSync(file)).toBe(false);
      expect(fs.existsSync(`${file}.lock`)).toBe(false);
      // AND the next caller builds it
      expect(shared({ name: 'value', build: () => 'built' }, options)).toBe('built');
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
