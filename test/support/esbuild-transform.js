// Jest transform for TypeScript: esbuild's transpile (types stripped, one file at a time), instead of ts-jest's.
//
// tsconfig.json sets `isolatedModules`, so ts-jest only ever transpiled file by file without type information; the
// type check is `tsc --noEmit` in `npm run static-checks`. esbuild does the same transpile an order of magnitude
// faster, which matters on a fresh clone: jest's transform cache is keyed by file path, so a new checkout transpiles
// every test and library file again (issue 19). The options below are tsconfig.json's, as they bear on emitted code:
// CommonJS modules, ES2022 with define semantics for class fields (TypeScript's default for that target), and
// `esModuleInterop`-style default imports (esbuild's CommonJS interop). Inline source maps keep stack traces on the
// TypeScript lines. Nothing here may hoist `jest.mock` calls (ts-jest did); the tests use none.
const { createHash } = require('node:crypto');
const { readFileSync } = require('node:fs');
const path = require('node:path');
const esbuild = require('esbuild');

const TSCONFIG = path.join(__dirname, '..', '..', 'tsconfig.json');
const ESBUILD_VERSION = require('esbuild/package.json').version;

module.exports = {
  process(source, filename) {
    const { code, map } = esbuild.transformSync(source, {
      loader: filename.endsWith('.tsx') ? 'tsx' : 'ts',
      format: 'cjs',
      target: 'es2022',
      platform: 'node',
      sourcemap: 'external',
      sourcefile: filename,
      // `await import(...)` becomes a require, as TypeScript emits it for CommonJS (jest's sandbox has no ESM loader)
      supported: { 'dynamic-import': false },
      tsconfigRaw: { compilerOptions: { useDefineForClassFields: true, esModuleInterop: true } },
    });
    return { code, map };
  },
  getCacheKey(source, filename) {
    return createHash('sha256')
      .update(ESBUILD_VERSION)
      .update('\0')
      .update(readFileSync(TSCONFIG))
      .update('\0')
      .update(readFileSync(__filename))
      .update('\0')
      .update(filename)
      .update('\0')
      .update(source)
      .digest('hex');
  },
};
