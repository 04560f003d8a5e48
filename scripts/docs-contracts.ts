/**
 * Regenerates docs/RUNTIME-CONTRACTS.md from the runtime contracts declared in
 * test/contracts/*.contracts.ts: `npm run docs:contracts`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOC_PATH, renderContractsDoc } from '../test/contracts/render-doc';

writeFileSync(join(__dirname, '..', DOC_PATH), renderContractsDoc());
console.log(`wrote ${DOC_PATH}`);
