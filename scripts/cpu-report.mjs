// Summarizes a JEST_CPU_LOG file (see test/support/worker-environment.js): the test files by CPU (self + children)
// and the totals. `JEST_CPU_LOG=/tmp/cpu.tsv npx jest && node scripts/cpu-report.mjs /tmp/cpu.tsv [top]`
import { readFileSync } from 'node:fs';

const [file, top = '30'] = process.argv.slice(2);
if (!file) {
  console.error('usage: node scripts/cpu-report.mjs <JEST_CPU_LOG file> [top]');
  process.exit(1);
}
const rows = readFileSync(file, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => {
    const [self, children, wall, path] = l.split('\t');
    return { self: Number(self), children: Number(children), wall: Number(wall), path };
  })
  .sort((a, b) => b.self + b.children - (a.self + a.children));
const sum = (k) => rows.reduce((s, r) => s + r[k], 0).toFixed(1);
console.log('   cpu   self  child   wall  file');
for (const r of rows.slice(0, Number(top))) {
  const f = (n) => n.toFixed(1).padStart(6);
  console.log(`${f(r.self + r.children)} ${f(r.self)} ${f(r.children)} ${f(r.wall)}  ${r.path}`);
}
console.log(
  `${rows.length} files: self ${sum('self')} s, children ${sum('children')} s, wall (summed) ${sum('wall')} s`,
);
