import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, AppProps, Stack } from 'aws-cdk-lib';

/** The feature flags from cdk.json, so tests synthesize exactly what `cdk synth` does. */
export const CDK_CONTEXT: Record<string, unknown> = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8'),
).context;

/** An App with the project's feature flags. */
export function testApp(props: AppProps = {}): App {
  return new App({ ...props, context: { ...CDK_CONTEXT, ...(props.context ?? {}) } });
}

/** An environment-agnostic stack (what `cdk init` generates). */
export function agnosticStack(id = 'Agnostic'): Stack {
  return new Stack(testApp(), id);
}

/** An environment-specific stack. */
export function specificStack(id = 'Specific', region = 'eu-west-1'): Stack {
  return new Stack(testApp(), id, { env: { account: '123456789012', region } });
}
