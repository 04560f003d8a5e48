import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { call, errorName } from '../call';
import type { PreflightContext } from '../context';
import { check, PreflightCheck } from '../result';

export const DEFAULT_QUALIFIER = 'hnb659fds';
export const TOOLKIT_STACK_NAME = 'CDKToolkit';

/**
 * The bootstrap version the stacks' DefaultStackSynthesizer (aws-cdk-lib 2.276) requires to deploy and publish
 * assets. Kept equal to aws-cdk-lib's own constant by test/cli/preflight-bootstrap.test.ts.
 */
export const MIN_BOOTSTRAP_VERSION = 6;

/**
 * The bootstrap template version that the CDK CLI this project pins (aws-cdk 2.1148) deploys with `cdk bootstrap`.
 * Kept equal to node_modules/aws-cdk's template by test/cli/preflight-bootstrap.test.ts.
 */
export const CLI_BOOTSTRAP_VERSION = 33;
export const CLI_VERSION = '2.1148';

const ID = 'cdk-bootstrap';

export function bootstrapCommand(ctx: PreflightContext): string {
  const qualifier = ctx.qualifier === DEFAULT_QUALIFIER ? '' : ` --qualifier ${ctx.qualifier}`;
  return `npx cdk bootstrap aws://${ctx.account}/${ctx.region}${qualifier}${ctx.profile ? ` --profile ${ctx.profile}` : ''}`;
}

function judgeVersion(ctx: PreflightContext, title: string, version: number, source: string): PreflightCheck {
  if (!Number.isInteger(version)) {
    return check('fail', ID, title, `${source} is not a version number`, bootstrapCommand(ctx));
  }
  if (version < MIN_BOOTSTRAP_VERSION) {
    return check(
      'fail',
      ID,
      title,
      `version ${version} (${source}); aws-cdk-lib 2.276 stacks need at least ${MIN_BOOTSTRAP_VERSION}, so cdk deploy refuses them`,
      bootstrapCommand(ctx),
    );
  }
  if (version < CLI_BOOTSTRAP_VERSION) {
    return check(
      'warn',
      ID,
      title,
      `version ${version} (${source}) deploys these stacks (they need ${MIN_BOOTSTRAP_VERSION}+), but is older than version ${CLI_BOOTSTRAP_VERSION} that CDK CLI ${CLI_VERSION} installs; re-bootstrapping brings its fixes`,
      bootstrapCommand(ctx),
    );
  }
  return check('pass', ID, title, `version ${version} (${source}); needs ${MIN_BOOTSTRAP_VERSION}+`);
}

/**
 * CDK bootstrap present and recent enough: the `/cdk-bootstrap/<qualifier>/version` SSM parameter that `cdk deploy`
 * itself reads, else the CDKToolkit stack's `BootstrapVersion` output (when SSM cannot be read, or to explain a
 * missing parameter).
 */
export async function checkBootstrap(ctx: PreflightContext): Promise<PreflightCheck> {
  const parameter = `/cdk-bootstrap/${ctx.qualifier}/version`;
  const title = `CDK bootstrap (qualifier ${ctx.qualifier})`;
  const ssm = await call(ctx, `ssm:GetParameter ${parameter}`, async () => {
    try {
      const out = await ctx.clients.ssm().send(new GetParameterCommand({ Name: parameter }));
      return out.Parameter?.Value;
    } catch (e) {
      if (errorName(e) === 'ParameterNotFound') {
        return undefined;
      }
      throw e;
    }
  });
  if (ssm.ok && ssm.value !== undefined) {
    return judgeVersion(ctx, title, Number(ssm.value), `SSM parameter ${parameter}`);
  }

  const stack = await call(ctx, `cloudformation:DescribeStacks ${TOOLKIT_STACK_NAME}`, async () => {
    try {
      const out = await ctx.clients.cloudformation().send(new DescribeStacksCommand({ StackName: TOOLKIT_STACK_NAME }));
      return out.Stacks?.[0];
    } catch (e) {
      if (errorName(e) === 'ValidationError' && /does not exist/.test((e as Error).message)) {
        return undefined;
      }
      throw e;
    }
  });

  if (ssm.ok) {
    // The parameter is missing: not bootstrapped with this qualifier. Say what the toolkit stack tells us.
    const found =
      stack.ok && stack.value
        ? `; a ${TOOLKIT_STACK_NAME} stack exists (${stack.value.StackStatus}), so it was bootstrapped with another qualifier or is broken: pass that --qualifier, or re-bootstrap`
        : stack.ok
          ? `; no ${TOOLKIT_STACK_NAME} stack either: this account and region were never bootstrapped`
          : '';
    return check(
      'fail',
      ID,
      title,
      `SSM parameter ${parameter} not found${found}; cdk deploy needs it`,
      bootstrapCommand(ctx),
    );
  }
  // SSM could not be read (typically AccessDenied): fall back to the toolkit stack's output.
  if (stack.ok && stack.value) {
    const status = stack.value.StackStatus ?? 'UNKNOWN';
    const output = stack.value.Outputs?.find((o) => o.OutputKey === 'BootstrapVersion')?.OutputValue;
    if (/FAILED|ROLLBACK_COMPLETE|DELETE/.test(status) && !/UPDATE_ROLLBACK_COMPLETE$/.test(status)) {
      return check('fail', ID, title, `${TOOLKIT_STACK_NAME} stack is ${status}`, bootstrapCommand(ctx));
    }
    if (output !== undefined) {
      return judgeVersion(
        ctx,
        title,
        Number(output),
        `${TOOLKIT_STACK_NAME} output BootstrapVersion; ${parameter} unreadable: ${ssm.reason}`,
      );
    }
  }
  if (stack.ok && !stack.value) {
    return check(
      'fail',
      ID,
      title,
      `no ${TOOLKIT_STACK_NAME} stack (and ${parameter} unreadable: ${ssm.reason})`,
      bootstrapCommand(ctx),
    );
  }
  return check(
    'warn',
    ID,
    title,
    `could not check: ${ssm.reason}; ${stack.ok ? `${TOOLKIT_STACK_NAME} stack has no BootstrapVersion output` : stack.reason}`,
    `allow ssm:GetParameter on ${parameter} (or cloudformation:DescribeStacks on ${TOOLKIT_STACK_NAME}) and re-run`,
  );
}
