import * as ec2 from 'aws-cdk-lib/aws-ec2';

/**
 * User data for Amazon Linux 2023 that installs Apache httpd and serves a page
 * naming the instance id and Availability Zone, read from the instance metadata
 * service with an IMDSv2 session token (IMDSv1 is disabled on the fleet). The
 * instance id is printed plainly so tools (and people) hitting the load
 * balancer repeatedly can see requests spread over instances and zones.
 *
 * The last command fetches the page locally, so the script's exit code says
 * whether the web server really serves; the caller turns that exit code into a
 * CloudFormation signal.
 */
export function defaultWebServerUserData(port: number): ec2.UserData {
  const userData = ec2.UserData.forLinux();
  const imds = 'http://169.254.169.254/latest';
  userData.addCommands(
    'set -euo pipefail',
    // aws-cfn-bootstrap provides /opt/aws/bin/cfn-signal (already on the AL2023 AMI; listed so custom AL2023 images get it).
    'dnf install -y httpd aws-cfn-bootstrap',
    `TOKEN=$(curl -fsS -X PUT "${imds}/api/token" -H "X-aws-ec2-metadata-token-ttl-seconds: 300")`,
    `INSTANCE_ID=$(curl -fsS -H "X-aws-ec2-metadata-token: $TOKEN" "${imds}/meta-data/instance-id")`,
    `AZ=$(curl -fsS -H "X-aws-ec2-metadata-token: $TOKEN" "${imds}/meta-data/placement/availability-zone")`,
    ...(port === 80 ? [] : [`sed -i 's/^Listen 80$/Listen ${port}/' /etc/httpd/conf/httpd.conf`]),
    "cat > /var/www/html/index.html <<'HTML'",
    '<!doctype html>',
    '<html><head><meta charset="utf-8"><title>HighlyAvailableFleet</title></head>',
    '<body><h1>Served by HighlyAvailableFleet</h1>',
    '<p>Instance: INSTANCE_ID</p>',
    '<p>Availability Zone: AVAILABILITY_ZONE</p>',
    '</body></html>',
    'HTML',
    'sed -i "s/INSTANCE_ID/$INSTANCE_ID/; s/AVAILABILITY_ZONE/$AZ/" /var/www/html/index.html',
    'systemctl enable --now httpd',
    `curl -fsS --retry 10 --retry-connrefused --retry-delay 2 "http://localhost:${port}/" > /dev/null`,
  );
  return userData;
}
