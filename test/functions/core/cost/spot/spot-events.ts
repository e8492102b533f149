/**
 * The two EC2 notices as EventBridge delivers them (shapes from the EC2 User Guide, "Spot Instance
 * interruption notices" and "EC2 instance rebalance recommendations"), for the instance and time given.
 */
export function spotInterruptionWarning(instanceId: string, time: string, region = 'eu-west-1') {
  return {
    version: '0',
    id: '12345678-1234-1234-1234-123456789012',
    'detail-type': 'EC2 Spot Instance Interruption Warning',
    source: 'aws.ec2',
    account: '123456789012',
    time,
    region,
    resources: [`arn:aws:ec2:${region}a:instance/${instanceId}`],
    detail: { 'instance-id': instanceId, 'instance-action': 'terminate' },
  };
}

export function rebalanceRecommendation(instanceId: string, time: string, region = 'eu-west-1') {
  return {
    version: '0',
    id: '12345678-1234-1234-1234-123456789013',
    'detail-type': 'EC2 Instance Rebalance Recommendation',
    source: 'aws.ec2',
    account: '123456789012',
    time,
    region,
    resources: [`arn:aws:ec2:${region}:123456789012:instance/${instanceId}`],
    detail: { 'instance-id': instanceId },
  };
}
