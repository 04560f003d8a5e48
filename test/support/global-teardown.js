// Jest globalTeardown (jest.config.js): removes the run's temporary directory (see global-setup.js).
const fs = require('node:fs');

module.exports = async function globalTeardown() {
  const dir = process.env.CDK_COMPUTE_PATTERNS_JEST_TMPDIR;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
};
