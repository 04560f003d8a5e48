import type { VerifyContext } from '../context';
import { FARGATE_SERVICE_OUTPUTS, StackOutputs } from '../outputs';
import { CheckResult, info } from '../result';
import { checkUrlAnswers2xx } from './url';

/** FargateService (FargateWebService) checks: the service URL answers 2xx (retried while targets register). */
export async function verifyFargateService(ctx: VerifyContext, outputs: StackOutputs): Promise<CheckResult[]> {
  return [
    info(
      'service',
      'ECS service under test',
      `${outputs[FARGATE_SERVICE_OUTPUTS.serviceName]} in cluster ${outputs[FARGATE_SERVICE_OUTPUTS.clusterName]}`,
    ),
    await checkUrlAnswers2xx(ctx, 'service-url-2xx', outputs[FARGATE_SERVICE_OUTPUTS.serviceUrl]),
  ];
}
