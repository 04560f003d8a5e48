/**
 * Regenerates docs/COMPLIANCE.md and the README's compliance summary from one
 * measurement, and deletes fixed findings from compliance/open-findings.json
 * (it never adds one: a new open finding must be fixed or added by hand).
 *
 *   npm run docs:compliance
 */
import * as fs from 'node:fs';
import {
  DOC_FILE,
  formatCompact,
  loadOpenFindings,
  loadUntrueReasons,
  measureAll,
  OPEN_FINDINGS_FILE,
  openFindingLines,
  README_FILE,
  renderDoc,
  renderOpenFindings,
  renderReadme,
  untrueReasonLines,
} from '../test/support/compliance-report';

const m = measureAll();
fs.writeFileSync(DOC_FILE, renderDoc(m));
fs.writeFileSync(README_FILE, renderReadme(fs.readFileSync(README_FILE, 'utf8'), m));
const bootstrap = !fs.existsSync(OPEN_FINDINGS_FILE);
const measured = new Set(openFindingLines(m));
const expected = bootstrap ? [...measured] : loadOpenFindings();
const kept = expected.filter((l) => measured.has(l));
const untrue = new Set(untrueReasonLines(m));
const expectedUntrue = bootstrap ? [...untrue] : loadUntrueReasons();
const keptUntrue = expectedUntrue.filter((l) => untrue.has(l));
fs.writeFileSync(OPEN_FINDINGS_FILE, renderOpenFindings(kept, keptUntrue));
const added = [
  ...[...measured].filter((l) => !expected.includes(l)),
  ...[...untrue].filter((l) => !expectedUntrue.includes(l)),
];
console.log(formatCompact(m));
console.log(
  `wrote ${DOC_FILE}, README summary; ${expected.length - kept.length + expectedUntrue.length - keptUntrue.length} fixed line(s) deleted from ${OPEN_FINDINGS_FILE}`,
);
if (added.length) {
  console.error(
    `${added.length} NEW open finding(s), not added to ${OPEN_FINDINGS_FILE}; fix them:\n${added.join('\n')}`,
  );
  process.exitCode = 1;
}
