/**
 * The public-API checks `npm test` runs: API.md is what jsii-docgen generates from the current assembly (.jsii), and
 * jsii-diff finds no breaking change between a baseline assembly (api-baseline/, the API of the last release) and
 * the current one. scripts/check-api.ts is the command (`npm run api:check`, `docgen`, `api:baseline`);
 * test/api.test.ts feeds these same functions assemblies and API.md files that disagree with the code.
 *
 * Both tools are used as libraries, in one process, so that the assemblies ours depends on are read once. The
 * jsii-docgen and jsii-diff commands each read them again (jsii-diff twice, once per side), and aws-cdk-lib's is an
 * 8.7 MB gzip of JSON that takes about 2 CPU seconds to read: the commands took 9.4 CPU s for `api:check` and the
 * tests ran them three more times (17.7 CPU s). The results are the commands' own:
 * - jsii-diff: `compareAssemblies` and its diagnostics, classified and formatted as `jsii-diff --error-on all --keys`
 *   prints them, over the same assemblies its command loads (each side with the current dependencies from
 *   node_modules, assembly validation off, the assembly features it accepts);
 * - jsii-docgen: `Documentation.toMarkdown` with the options its command passes by default (TypeScript, every
 *   submodule, no README), given the current assembly loaded here. If a jsii-docgen release stops taking it, it
 *   finds no assembly in the empty directory it is pointed at and fails; it never documents another `.jsii`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compareAssemblies } from 'jsii-diff';
import { classifyDiagnostics, formatDiagnostic, hasErrors, treatAsError } from 'jsii-diff/lib/diagnostics';
import { Documentation, Language } from 'jsii-docgen';
import * as reflect from 'jsii-reflect';

/** The assembly features the jsii-diff and jsii-docgen commands accept (aws-cdk-lib's assembly uses them). */
const SUPPORTED_FEATURES = ['intersection-types', 'class-covariant-overrides'] as const;

/** The outcome of one check: `ok`, and the lines to print (on stderr when not ok). */
export interface ApiCheckResult {
  readonly ok: boolean;
  readonly messages: string[];
}

/** The API checks of the package in `root`, sharing one read of every assembly it depends on. */
export class ApiChecks {
  /** The current assembly: `root`/.jsii. */
  readonly assemblyFile: string;
  private loaded?: Promise<{ current: reflect.Assembly; dependencies: reflect.Assembly[] }>;

  constructor(readonly root: string) {
    this.assemblyFile = path.join(root, '.jsii');
  }

  /** The current assembly with its dependencies, as jsii-diff and jsii-docgen load a package directory. */
  private load() {
    this.loaded ??= (async () => {
      if (!fs.existsSync(this.assemblyFile)) {
        throw new Error('check-api: no .jsii assembly; run `npm run compile` first');
      }
      const system = new reflect.TypeSystem();
      const current = await system.loadModule(this.root, {
        validate: false,
        supportedFeatures: [...SUPPORTED_FEATURES],
      });
      return { current, dependencies: system.assemblies.filter((a) => a !== current) };
    })();
    return this.loaded;
  }

  /** The assembly in `dotJsii`, in a type system of its own with the current dependencies (shared, not re-read). */
  private async loadOther(dotJsii: string): Promise<reflect.Assembly> {
    const { dependencies } = await this.load();
    const system = new reflect.TypeSystem();
    for (const dependency of dependencies) system.addAssembly(new reflect.Assembly(system, dependency.spec));
    return system.loadFile(dotJsii, { isRoot: true, validate: false, supportedFeatures: [...SUPPORTED_FEATURES] });
  }

  /** The API.md jsii-docgen generates from the current assembly. */
  async apiMarkdown(): Promise<string> {
    const { current } = await this.load();
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'docgen-'));
    try {
      const docs = await Documentation.forAssembly(current.name, empty);
      // Documentation keeps the assemblies it loads by this key (TypeScript, loose, unvalidated: what toMarkdown
      // asks for); handing it the one loaded here saves a second read of the dependencies.
      (docs as unknown as { assembliesCache: Map<string, reflect.Assembly> }).assembliesCache.set(
        'lang:ts.loose:true.validate:false',
        current,
      );
      const markdown = await docs.toMarkdown({ language: Language.TYPESCRIPT, allSubmodules: true });
      return markdown.render();
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  }

  /** 1. `apiMd` is what jsii-docgen generates now. */
  async checkDocs(apiMd: string): Promise<ApiCheckResult> {
    const generated = await this.apiMarkdown();
    if (fs.existsSync(apiMd) && fs.readFileSync(apiMd, 'utf8') === generated) {
      return { ok: true, messages: [] };
    }
    return {
      ok: false,
      messages: [
        `check-api: ${path.relative(this.root, apiMd)} is not what jsii-docgen generates from the code; run \`npm run docgen\` and commit API.md`,
      ],
    };
  }

  /** 2. No breaking change between the assembly in `baselineDir` and the current one (`jsii-diff --error-on all`). */
  async checkDiff(baselineDir: string): Promise<ApiCheckResult> {
    const { current } = await this.load();
    const original = await this.loadOther(path.join(baselineDir, '.jsii'));
    const messages: string[] = [];
    if (original.name !== current.name) {
      messages.push(
        `Look like different assemblies: '${original.name}' vs '${current.name}'. Comparing is probably pointless...`,
      );
    }
    const mismatches = compareAssemblies(original, current, { defaultExperimental: false });
    const diagnostics = mismatches.count > 0 ? classifyDiagnostics(mismatches, treatAsError('all')) : [];
    if (!hasErrors(diagnostics)) return { ok: true, messages };
    messages.push(
      `Original assembly: ${original.name}@${original.version}`,
      `Updated assembly: ${current.name}@${current.version}`,
      'API elements with incompatible changes:',
      ...diagnostics.map((d) => formatDiagnostic(d, true)),
      `check-api: the public API breaks compatibility with ${path.relative(this.root, baselineDir)} (jsii-diff above). ` +
        'If the break is unintended, restore the API. If it is intended, record it in CHANGELOG.md under ' +
        '"Changed (breaking)" and run `npm run api:baseline` in the same commit (README, API baseline).',
    );
    return { ok: false, messages };
  }
}
