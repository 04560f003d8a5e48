import { Stack } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';

/** The name of the fleet's launch lifecycle hook, which holds an instance until it is ready (one hook per group). */
export const WARM_POOL_HOOK_NAME = 'cdk-compute-patterns-ready';

/**
 * Appends to `userData` a systemd service that completes the warm pool's launch lifecycle action
 * each time EC2 Auto Scaling moves the instance towards a new state: into the warm pool
 * (`Warmed:Stopped`, `Warmed:Running`, `Warmed:Hibernated`) after the first boot, and into service
 * (`InService`) when a scale-out takes it from the pool. It reads the target state from the instance
 * metadata (`autoscaling/target-lifecycle-state`, which the service polls because a hibernated or
 * running pool instance does not boot again), waits until the application answers on
 * `http://localhost:<port><path>` (what the load balancer checks), then calls
 * `autoscaling:CompleteLifecycleAction` with CONTINUE. A state with no pending action (the group's
 * first instances launch before the hook exists) counts as done. The group's name is read from
 * CloudFormation (`DescribeStackResource` on this stack), because the launch template cannot name
 * the group that uses it.
 */
export function addWarmPoolReadiness(
  userData: ec2.UserData,
  group: autoscaling.AutoScalingGroup,
  port: number,
  healthCheckPath: string,
): void {
  const stack = Stack.of(group);
  const logicalId = stack.getLogicalId(group.node.defaultChild as autoscaling.CfnAutoScalingGroup);
  userData.addCommands(
    "cat > /usr/local/bin/cdk-compute-patterns-ready <<'SCRIPT'",
    '#!/bin/bash',
    'set -u',
    'IMDS=http://169.254.169.254/latest',
    'DONE=""',
    'while true; do',
    '  sleep 5',
    '  TOKEN=$(curl -fsS -X PUT "$IMDS/api/token" -H "X-aws-ec2-metadata-token-ttl-seconds: 60") || continue',
    '  STATE=$(curl -fsS -H "X-aws-ec2-metadata-token: $TOKEN" "$IMDS/meta-data/autoscaling/target-lifecycle-state") || continue',
    '  [ "$STATE" = "$DONE" ] && continue',
    `  curl -fsS -o /dev/null "http://localhost:${port}${healthCheckPath}" || continue`,
    '  ID=$(curl -fsS -H "X-aws-ec2-metadata-token: $TOKEN" "$IMDS/meta-data/instance-id") || continue',
    `  GROUP=$(aws cloudformation describe-stack-resource --region ${stack.region} --stack-name ${stack.stackName} --logical-resource-id ${logicalId} --query StackResourceDetail.PhysicalResourceId --output text) || continue`,
    `  if OUT=$(aws autoscaling complete-lifecycle-action --region ${stack.region} --lifecycle-hook-name ${WARM_POOL_HOOK_NAME} --auto-scaling-group-name "$GROUP" --instance-id "$ID" --lifecycle-action-result CONTINUE 2>&1) || echo "$OUT" | grep -q 'No active Lifecycle Action'; then`,
    '    DONE="$STATE"',
    '  fi',
    'done',
    'SCRIPT',
    'chmod 755 /usr/local/bin/cdk-compute-patterns-ready',
    "cat > /etc/systemd/system/cdk-compute-patterns-ready.service <<'UNIT'",
    '[Unit]',
    'Description=Completes the warm pool lifecycle action of this instance once the application answers',
    'After=network-online.target',
    'Wants=network-online.target',
    '[Service]',
    'ExecStart=/usr/local/bin/cdk-compute-patterns-ready',
    'Restart=always',
    '[Install]',
    'WantedBy=multi-user.target',
    'UNIT',
    'systemctl daemon-reload',
    'systemctl enable --now cdk-compute-patterns-ready.service',
  );
}
