/**
 * Props tables of the per-pattern pages under docs/, generated from the TypeScript source of the
 * public props interfaces (inherited props included), so they cannot drift from the code.
 *
 * A page asks for a table with a pair of markers:
 *
 *   <!-- props:HighlyAvailableFleetProps -->
 *   (generated)
 *   <!-- /props:HighlyAvailableFleetProps -->
 *
 * `npm run docs:props` rewrites every table; `npm run docs:props -- --check` (and
 * test/docs-props.test.ts) lists the pages whose tables are stale.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '..');
const DOCS = path.join(ROOT, 'docs');
const MARKER = /<!-- props:(\w+) -->\n[\s\S]*?<!-- \/props:\1 -->/g;

/** One row of a props table. */
export interface PropRow {
  readonly name: string;
  readonly type: string;
  readonly optional: boolean;
  readonly defaultValue: string;
  readonly description: string;
}

const LIB = path.join(ROOT, 'lib');
const OPTIONS: ts.CompilerOptions = {
  strict: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.CommonJS,
  skipLibCheck: true,
  noEmit: true,
};

let libOnly: ts.Program | undefined;
let whole: ts.Program | undefined;

/**
 * lib/'s own sources and nothing they import (`noResolve`): a tenth of the time of the whole program, which loads
 * every aws-cdk-lib declaration file. Enough for an interface whose props all have a written type and whose bases
 * are all interfaces of lib/ (the type column is the written type, never a resolved one).
 */
function libOnlyProgram(): ts.Program {
  const roots = (fs.readdirSync(LIB, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => path.join(LIB, f));
  return (libOnly ??= ts.createProgram(roots, { ...OPTIONS, noResolve: true, types: [] }));
}

/** lib/index.ts with everything it imports: needed when a props interface extends one of aws-cdk-lib's. */
function wholeProgram(): ts.Program {
  return (whole ??= ts.createProgram([path.join(LIB, 'index.ts')], OPTIONS));
}

/** The interface `name` of lib/ in `program`, or undefined. */
function findInterface(program: ts.Program, name: string): ts.InterfaceDeclaration | undefined {
  for (const file of program.getSourceFiles()) {
    if (!file.fileName.startsWith(LIB)) continue;
    for (const statement of file.statements) {
      if (ts.isInterfaceDeclaration(statement) && statement.name.text === name) return statement;
    }
  }
  return undefined;
}

/** Whether every base of `declaration`, transitively, is an interface declared in lib/ of the program. */
function basesInLib(c: ts.TypeChecker, declaration: ts.InterfaceDeclaration): boolean {
  for (const clause of declaration.heritageClauses ?? []) {
    for (const base of clause.types) {
      const decls = c.getTypeAtLocation(base).symbol?.declarations ?? [];
      if (decls.length === 0) return false;
      for (const d of decls) {
        if (!ts.isInterfaceDeclaration(d) || !d.getSourceFile().fileName.startsWith(LIB) || !basesInLib(c, d)) {
          return false;
        }
      }
    }
  }
  return true;
}

/** The rows of interface `name` read from `program`; undefined when it cannot tell them all (see libOnlyProgram). */
function rowsIn(program: ts.Program, name: string, complete: boolean): PropRow[] | undefined {
  const declaration = findInterface(program, name);
  if (!declaration) return undefined;
  const c = program.getTypeChecker();
  if (!complete && !basesInLib(c, declaration)) return undefined;
  const rows: PropRow[] = [];
  for (const symbol of c.getPropertiesOfType(c.getTypeAtLocation(declaration))) {
    const decl = symbol.valueDeclaration ?? symbol.declarations?.[0];
    const optional = (symbol.flags & ts.SymbolFlags.Optional) !== 0;
    const typeNode = decl && ts.isPropertySignature(decl) ? decl.type : undefined;
    if (!typeNode && !complete) return undefined;
    const typeText = typeNode
      ? typeNode.getText().replace(/\s+/g, ' ')
      : c.typeToString(c.getTypeOfSymbolAtLocation(symbol, declaration));
    const tags = symbol.getJsDocTags(c);
    const defaultTag = tags.find((t) => t.name === 'default');
    const doc = ts.displayPartsToString(symbol.getDocumentationComment(c));
    rows.push({
      name: symbol.getName(),
      type: typeText,
      optional,
      defaultValue: defaultTag ? ts.displayPartsToString(defaultTag.text).trim() : optional ? '' : '(required)',
      description: doc,
    });
  }
  return rows;
}

/** Whether the rows of interface `name` need the whole program (a base or a prop type outside lib/). */
export function needsWholeProgram(name: string): boolean {
  if (!findInterface(libOnlyProgram(), name)) throw new Error(`docs-props: no interface ${name} under lib/`);
  return rowsIn(libOnlyProgram(), name, false) === undefined;
}

/** The rows of interface `name`, own and inherited props, in declaration order. */
export function propRows(name: string): PropRow[] {
  // Every file of lib/ is in the lib-only program: an interface it lacks does not exist.
  if (!findInterface(libOnlyProgram(), name)) throw new Error(`docs-props: no interface ${name} under lib/`);
  return rowsIn(libOnlyProgram(), name, false) ?? rowsIn(wholeProgram(), name, true)!;
}

function cell(text: string): string {
  return text
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\|/g, '\\|')
    .trim();
}

/** The first paragraph of a JSDoc comment, on one line. */
function firstParagraph(doc: string): string {
  return cell(doc.split(/\n\s*\n/)[0]);
}

/** The markdown table of interface `name`. */
export function propsTable(name: string): string {
  const rows = propRows(name).map(
    (r) =>
      `| \`${r.name}\` | \`${cell(r.type)}\` | ${r.defaultValue ? cell(r.defaultValue.replace(/^- /, '')) : '—'} | ${firstParagraph(r.description)} |`,
  );
  return [
    `_Generated from \`${name}\` by \`npm run docs:props\`; the [API reference](../API.md) has the full text._`,
    '',
    '| Prop | Type | Default | What it does |',
    '| --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/** `text` with every marked table regenerated. */
export function renderPage(text: string): string {
  return text.replace(
    MARKER,
    (_m, name: string) => `<!-- props:${name} -->\n${propsTable(name)}\n<!-- /props:${name} -->`,
  );
}

/** The docs pages (file names) holding props markers. */
export function pagesWithTables(): string[] {
  return fs
    .readdirSync(DOCS)
    .filter((f) => f.endsWith('.md'))
    .filter((f) => /<!-- props:\w+ -->/.test(fs.readFileSync(path.join(DOCS, f), 'utf8')));
}

/** The pages whose tables differ from the code (written when `write`). */
export function stalePages(write: boolean): string[] {
  const stale: string[] = [];
  for (const page of pagesWithTables()) {
    const file = path.join(DOCS, page);
    const text = fs.readFileSync(file, 'utf8');
    const rendered = renderPage(text);
    if (rendered !== text) {
      stale.push(page);
      if (write) fs.writeFileSync(file, rendered);
    }
  }
  return stale;
}

if (require.main === module) {
  const check = process.argv.includes('--check');
  const stale = stalePages(!check);
  if (check && stale.length > 0) {
    console.error(`Props tables out of date in ${stale.join(', ')}: run npm run docs:props`);
    process.exit(1);
  }
  console.log(
    check ? 'docs-props: every props table is current' : `docs-props: rewrote ${stale.join(', ') || 'nothing'}`,
  );
}
