import {
  needsWholeProgram,
  pagesWithTables,
  propRows,
  propsTable,
  renderPage,
  stalePages,
} from '../scripts/docs-props';

// The props tables of docs/*.md are generated from the props interfaces (scripts/docs-props.ts): they
// list every prop, inherited ones included, and a test keeps them current.

describe('docs props tables', () => {
  test('every per-pattern page has a generated props table', () => {
    expect(pagesWithTables().sort()).toEqual(
      expect.arrayContaining(['EKS.md', 'FARGATE.md', 'FLEET.md', 'SERVERLESS-API.md']),
    );
  });

  test('every props table is current (run npm run docs:props after changing a props interface)', () => {
    expect(stalePages(false)).toEqual([]);
  });

  test('a table lists own and inherited props with type and default', () => {
    const rows = propRows('HighlyAvailableFleetProps');
    expect(rows.find((r) => r.name === 'warmPool')).toMatchObject({
      type: 'autoscaling.WarmPoolOptions',
      optional: true,
      defaultValue: '- no warm pool',
    });
    // inherited from WebLoadBalancerOptions
    expect(rows.map((r) => r.name)).toContain('domainZone');
    expect(propsTable('HighlyAvailableFleetProps')).toContain(
      '| `minCapacity` | `number` | 2 | The fewest instances the group runs.',
    );
  });

  test('fails (reports the page) when a table no longer matches the code', () => {
    const stale = '<!-- props:FleetScheduledScaling -->\n| `name` | old |\n<!-- /props:FleetScheduledScaling -->';
    const rendered = renderPage(stale);
    expect(rendered).not.toEqual(stale);
    expect(rendered).toContain('| `schedule` | `autoscaling.Schedule` | (required) |');
  });

  test("reads lib/'s sources alone unless an interface extends one from outside lib/ (then the whole program)", () => {
    // GIVEN interfaces whose bases are all in lib/ (the documented ones) and one that extends iam.RoleProps
    // THEN only the latter needs aws-cdk-lib's declarations to list its inherited props
    for (const name of [
      'HighlyAvailableFleetProps',
      'FargateWebServiceProps',
      'EksClusterProps',
      'ServerlessApiProps',
    ]) {
      expect({ name, whole: needsWholeProgram(name) }).toEqual({ name, whole: false });
    }
    expect(needsWholeProgram('VpcFunctionRoleProps')).toBe(true);
  });

  test('fails when a page names an interface that does not exist', () => {
    expect(() => renderPage('<!-- props:NoSuchProps -->\n<!-- /props:NoSuchProps -->')).toThrow(
      'docs-props: no interface NoSuchProps under lib/',
    );
  });
});
