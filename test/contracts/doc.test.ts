import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOC_PATH, renderContractsDoc } from './render-doc';

describe('docs/RUNTIME-CONTRACTS.md', () => {
  test('is generated from the current contracts', () => {
    // GIVEN the committed doc
    const committed = readFileSync(join(__dirname, '..', '..', DOC_PATH), 'utf8');

    // WHEN it is regenerated in memory from test/contracts/*.contracts.ts
    const current = renderContractsDoc();

    // THEN they are identical
    if (committed !== current) {
      throw new Error(
        `${DOC_PATH} is out of date with test/contracts: run 'npm run docs:contracts' and commit the result`,
      );
    }
  });
});
