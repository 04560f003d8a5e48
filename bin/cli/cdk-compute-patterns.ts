// Entry point of the `cdk-compute-patterns` bin. Bundled by scripts/build-assets.mjs into
// assets/cli/cdk-compute-patterns.js so consumers need no runtime dependencies.
import { runCli } from './main';

// The AWS SDK is bundled at a fixed version, so its "future SDK versions will need Node 22" notice does not apply
// to this CLI and would only clutter the verification output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

runCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`cdk-compute-patterns: unexpected error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
