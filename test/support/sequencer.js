// Jest test sequencer: jest's own order (failed first, then slowest first by the durations it remembers, else
// largest file first), except that the files which BUILD the values shared across the run start first and the
// files which only READ one start last.
//
// test/support/shared.ts builds a shared value once per run; a file that asks while another worker is building it
// waits, and a waiting worker leaves its core idle. The compliance matrix is built in two halves, by
// test/compliance.test.ts (first half, then the sample app) and test/compliance-scope.test.ts (second half), so
// started together they build side by side on both cores. The sample app's other readers are ordered last, by when
// it is built they find it on disk. On a fresh clone jest remembers no durations and orders by file size, which put
// a reader beside the builder and left a core waiting for it (issue 19).
const Sequencer = require('@jest/test-sequencer').default;

/** Paths relative to the repository, as they end; the order within each list is the order they start. */
const BUILDERS = ['test/compliance.test.ts', 'test/compliance-scope.test.ts'];
const READERS = [
  'test/sample-app.test.ts',
  'test/contracts/runtime-contracts.test.ts',
  'test/contracts/mutations.test.ts',
];

const rank = (test) => {
  const p = test.path.split('\\').join('/');
  const b = BUILDERS.findIndex((f) => p.endsWith(`/${f}`));
  if (b >= 0) return b - BUILDERS.length; // before everything else
  return READERS.some((f) => p.endsWith(`/${f}`)) ? 1 : 0;
};

class SharedBuildsFirst extends Sequencer {
  async sort(tests) {
    const ordered = await super.sort(tests);
    const index = new Map(ordered.map((t, i) => [t, i]));
    return [...ordered].sort((a, b) => rank(a) - rank(b) || index.get(a) - index.get(b));
  }
}

module.exports = SharedBuildsFirst;
