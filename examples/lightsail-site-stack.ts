import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { LightsailServer } from '../lib';

/**
 * Sample: a small website on one Lightsail instance (Amazon Linux 2023 with nginx), HTTP and HTTPS open to the
 * world, SSH only through the Lightsail console's browser client, a static IP and daily snapshots.
 */
export class LightsailSiteStack extends Stack {
  public readonly server: LightsailServer;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    this.server = new LightsailServer(this, 'Site', {
      bundleId: 'micro_3_0',
      ports: [
        { fromPort: 80, cidrs: ['0.0.0.0/0'] },
        { fromPort: 443, cidrs: ['0.0.0.0/0'] },
      ],
      lightsailConnect: true,
      userData: [
        '#!/bin/bash',
        'dnf install -y nginx',
        'echo "<h1>Hello from Lightsail</h1>" > /usr/share/nginx/html/index.html',
        'systemctl enable --now nginx',
      ].join('\n'),
    });
    new CfnOutput(this, 'SiteUrl', { value: `http://${this.server.publicIpAddress}/` });
    new CfnOutput(this, 'InstanceName', { value: this.server.instanceName });
  }
}
