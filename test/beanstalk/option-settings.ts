import { Template } from 'aws-cdk-lib/assertions';

type Settings = { Namespace: string; OptionName: string; Value: unknown }[];

/**
 * The value of one option setting of the Elastic Beanstalk environment in `template` (the only one, or the one
 * named `environmentName`); undefined when the setting is absent. Throws when a setting is written twice.
 */
export function option(template: Template, namespace: string, optionName: string, environmentName?: string): unknown {
  const envs = Object.values(template.findResources('AWS::ElasticBeanstalk::Environment')).filter(
    (e) => environmentName === undefined || e.Properties.EnvironmentName === environmentName,
  );
  if (envs.length !== 1) throw new Error(`expected one environment, found ${envs.length}`);
  const matches = (envs[0].Properties.OptionSettings as Settings).filter(
    (s) => s.Namespace === namespace && s.OptionName === optionName,
  );
  if (matches.length > 1) throw new Error(`${namespace} ${optionName} is set ${matches.length} times`);
  return matches[0]?.Value;
}
