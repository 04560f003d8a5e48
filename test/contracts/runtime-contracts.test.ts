/**
 * Evaluates every runtime contract (test/contracts/*.contracts.ts) against the
 * synthesized sample app and the option-rich variants, with a real IAM policy
 * evaluator. A contract marked `knownGap` must get the opposite of its
 * expected decision: when a fix lands, this suite fails and says which marker
 * to delete.
 */
import { CfnApp } from '../support/cfn-resolver';
import { describeCall, evaluateContract, RuntimeContract } from '../support/runtime-contracts';
import { CONTRACT_APPS } from './targets';

function title(c: RuntimeContract, index: number): string {
  const gap = c.knownGap ? ` (known gap: ${c.knownGap})` : '';
  return `#${index + 1} [${c.phase}] ${describeCall(c)} is ${c.expect}${gap}`;
}

describe.each(CONTRACT_APPS)('runtime contracts of the $name', (contractApp) => {
  let app: CfnApp;
  beforeAll(() => {
    // GIVEN the app, synthesized once for every contract below
    app = contractApp.synth();
  }, 600_000);

  describe.each(contractApp.targets)('stack $stackName', (target) => {
    describe.each(target.groups)('$pattern', (group) => {
      test.each(group.contracts.map((c, i) => [title(c, i), c] as const))('%s', async (_title, contract) => {
        // WHEN the call is evaluated against the template's policies
        const result = await evaluateContract(contract, app.stack(target.stackName));

        // THEN IAM decides as the contract says (or, for a known gap, the opposite)
        if (contract.knownGap) {
          const opposite = contract.expect === 'allowed' ? 'denied' : 'allowed';
          if (result.decision !== opposite) {
            throw new Error(
              `Known gap '${contract.knownGap}' is fixed: the call is now ${result.decision} as expected. ` +
                `Delete the knownGap marker of this contract and run 'npm run docs:contracts'. (${result.detail})`,
            );
          }
        } else if (result.decision !== contract.expect) {
          throw new Error(
            `Expected ${contract.expect}, got ${result.decision}: ${contract.why}\n${result.detail}\n` +
              `request: ${JSON.stringify({ principal: result.request.principal, resource: result.request.resource, context: result.request.context })}`,
          );
        }
      });
    });
  });
});
