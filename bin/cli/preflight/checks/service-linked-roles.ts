import { GetRoleCommand } from '@aws-sdk/client-iam';
import { call, errorName } from '../call';
import { cliScope, PreflightContext } from '../context';
import type { ServiceLinkedRole } from '../plan';
import { check, PreflightCheck } from '../result';

export function createRoleCommand(ctx: PreflightContext, role: ServiceLinkedRole): string {
  return `aws iam create-service-linked-role --aws-service-name ${role.serviceName}${cliScope(ctx, false)}`;
}

/** One service-linked role: present (iam:GetRole), or what its absence means for the first deploy. */
export async function checkServiceLinkedRole(ctx: PreflightContext, role: ServiceLinkedRole): Promise<PreflightCheck> {
  const id = `slr-${role.key}`;
  const title = `service-linked role ${role.roleName}`;
  const fix = createRoleCommand(ctx, role);
  const found = await call(ctx, `iam:GetRole ${role.roleName}`, async () => {
    try {
      const out = await ctx.clients.iam().send(new GetRoleCommand({ RoleName: role.roleName }));
      return out.Role;
    } catch (e) {
      if (/^NoSuchEntity/.test(errorName(e) ?? '')) {
        return undefined;
      }
      throw e;
    }
  });
  if (!found.ok) {
    return check('warn', id, title, `could not check: ${found.reason}`, `allow iam:GetRole, or run: ${fix}`);
  }
  if (found.value) {
    const since = found.value.CreateDate ? ` since ${found.value.CreateDate.toISOString().slice(0, 10)}` : '';
    return check('pass', id, title, `exists${since}; used by ${role.usedBy}`);
  }
  if (role.roleName === 'AWSServiceRoleForEC2Spot' && !ctx.needs.spot) {
    return check(
      'info',
      id,
      title,
      `missing; not needed unless you use Spot (${role.usedBy}): ${role.note}. Pass --spot if you will`,
      fix,
    );
  }
  if (role.whenMissing === 'blocks') {
    return check('fail', id, title, `missing; ${role.note}`, fix);
  }
  return check(
    'warn',
    id,
    title,
    `missing; ${role.note} on the first deploy, if the deploying role may call iam:CreateServiceLinkedRole (the default CDK bootstrap execution role may); create it now to rule that out`,
    fix,
  );
}
