import { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * Lambda's limit on a function's environment variables: "4 KB, for all environment variables associated with the
 * function, in aggregate" (docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html). Counted here as the
 * UTF-8 bytes of every name and value.
 */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;

/**
 * What a value known only at deploy time (a table name, an ARN) is counted as: a DynamoDB table name CloudFormation
 * generates is at most 255 characters.
 */
export const DEPLOY_TIME_VALUE_BYTES = 256;

/**
 * Fails the synthesis when `fn`'s environment variables (as synthesized, so variables added later with
 * `addEnvironment` count too) are over Lambda's 4 KB: the function could not be created, and the stack would roll
 * back at deploy. `hint` says what to change (e.g. which variable holds the user's schema).
 */
export function limitLambdaEnvironment(fn: lambda.Function, hint: string): void {
  fn.node.addValidation({
    validate: () => {
      const cfn = fn.node.defaultChild as lambda.CfnFunction;
      const environment = Stack.of(fn).resolve(cfn.environment) as { variables?: Record<string, unknown> } | undefined;
      const sizes = Object.entries(environment?.variables ?? {}).map(([name, value]) => ({
        name,
        deployTime: typeof value !== 'string',
        bytes:
          Buffer.byteLength(name) + (typeof value === 'string' ? Buffer.byteLength(value) : DEPLOY_TIME_VALUE_BYTES),
      }));
      const total = sizes.reduce((sum, s) => sum + s.bytes, 0);
      if (total <= LAMBDA_ENVIRONMENT_LIMIT_BYTES) return [];
      const parts = sizes
        .sort((a, b) => b.bytes - a.bytes)
        .map(
          (s) =>
            `${s.name} ${s.bytes}${s.deployTime ? ` (its deploy-time value counted as ${DEPLOY_TIME_VALUE_BYTES})` : ''}`,
        );
      return [
        `${fn.node.path}: the function's environment variables add up to ${total} bytes (names and values: ${parts.join(', ')}), more than the ${LAMBDA_ENVIRONMENT_LIMIT_BYTES} bytes (4 KB) Lambda allows a function in all, so the function could not be created. ${hint}`,
      ];
    },
  });
}
