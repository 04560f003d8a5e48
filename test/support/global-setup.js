// Jest globalSetup (jest.config.js): one temporary directory for the whole run, removed by global-teardown.js.
//
// aws-cdk-lib gives every App without an `outdir` a new `cdk.out*` directory under the system temp directory and
// never removes it; a jest run makes about 950 of them (plus the emulators' buckets, staged Beanstalk sources and
// the other temporary files tests write), and they piled up in /tmp run after run (18,400 of them on this machine,
// issue 19). Here TMPDIR points at one directory of the run before jest starts its workers, which inherit it, so
// `os.tmpdir()` in every test, library and child process lands there, and the teardown removes it whole (about
// 0.6 s). A run that is killed leaves that one directory behind.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

module.exports = async function globalSetup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-compute-patterns-jest-'));
  process.env.CDK_COMPUTE_PATTERNS_JEST_TMPDIR = dir;
  process.env.TMPDIR = dir;
};
