import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { VpcFunctionRole } from '../../common/vpc-function-role';

/** The import function's execution role: a VpcFunctionRole (lib/common) whose service policy says whom it serves. */
export class ImportFunctionRole extends VpcFunctionRole {
  constructor(scope: Construct, id: string, props: iam.RoleProps) {
    super(scope, id, {
      ...props,
      servicePolicyDescription:
        'What Lambda needs on * to attach the import function to its VPC, and X-Ray trace writes',
    });
  }
}
