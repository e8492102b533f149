import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { SubnetType } from 'aws-cdk-lib/aws-ec2';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import {
  alertmanagerHandlerEnvironment,
  kubernetesHandlerEnvironment,
  minioHandlerEnvironment,
  nodeGroupsHandlerEnvironment,
  powertoolsEnvironment,
  prefectApiLatencyHandlerEnvironment,
  prometheusHandlerEnvironment,
  s5cmdThroughputHandlerEnvironment,
} from '../../../functions/commons/environment.ts';
import {
  checkReachDeclaration,
  OpsNetwork,
  type OpsNetworkProps,
  portOf,
} from '../../../infra/stacks/ops-network.ts';
import { resourcesOfType } from '../template-helpers.ts';
import { clusterNetworkFixture } from './cluster-network-fixture.ts';

const REGION = 'eu-central-1';
const HTTPS_URLS = {
  'minio-s3': 'https://minio.example.internal',
  'prefect-api': 'https://prefect.example.internal/api',
  'alertmanager-api': 'https://alertmanager.example.internal',
  'prometheus-api': 'https://prometheus.example.internal',
};

/** An OpsNetwork in a stack of its own, next to a stand-in cluster network (cross-stack, as deployed). */
function networkUnderTest(urls: OpsNetworkProps['urls'] = HTTPS_URLS) {
  const app = new App();
  const cluster = clusterNetworkFixture(app, REGION);
  const stack = new Stack(app, 'OpsNetworkUnderTest', { env: { region: REGION } });
  const network = new OpsNetwork(stack, 'Network', {
    vpc: cluster.vpc,
    clusterSecurityGroup: cluster.clusterSecurityGroup,
    subnets: { subnetType: SubnetType.PRIVATE_WITH_EGRESS },
    urls,
  });
  return { stack, network };
}

function egressOf(stack: Stack): Record<string, unknown>[] {
  const [group] = Object.values(resourcesOfType(Template.fromStack(stack), 'AWS::EC2::SecurityGroup'));
  return group!.Properties.SecurityGroupEgress as Record<string, unknown>[];
}

const https = { IpProtocol: 'tcp', FromPort: 443, ToPort: 443 };

describe('OpsNetwork', () => {
  it('leaves a function that reaches nothing out of the VPC', () => {
    const { network } = networkUnderTest();
    expect(
      network.placementFor({ functionName: 'notify', environmentSchema: powertoolsEnvironment, reaches: [] }),
    ).toBeUndefined();
  });

  it('places a function that reaches an endpoint in the private subnets with the functions security group', () => {
    const { network } = networkUnderTest();
    const placement = network.placementFor({
      functionName: 'check-nodes',
      environmentSchema: kubernetesHandlerEnvironment,
      reaches: ['kubernetes-api'],
    });
    expect(placement?.subnets).toEqual({ subnetType: SubnetType.PRIVATE_WITH_EGRESS });
    expect(placement?.securityGroups).toEqual([network.securityGroup]);
  });

  it('opens only HTTPS to the AWS APIs until a function declares an endpoint', () => {
    const { stack } = networkUnderTest();
    expect(egressOf(stack)).toEqual([expect.objectContaining({ ...https, CidrIp: '0.0.0.0/0' })]);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::EC2::SecurityGroupEgress', 0);
    template.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
  });

  it('admits the functions at the cluster security group on 443 when one reaches the Kubernetes API', () => {
    const { stack, network } = networkUnderTest();
    for (const functionName of ['check-nodes', 'check-prefect']) {
      network.placementFor({
        functionName,
        environmentSchema: kubernetesHandlerEnvironment,
        reaches: ['kubernetes-api'],
      });
    }
    const template = Template.fromStack(stack);
    const functionsGroup = { 'Fn::GetAtt': [expect.stringMatching(/FunctionSecurityGroup/), 'GroupId'] };
    const clusterGroup = { 'Fn::ImportValue': expect.stringMatching(/ClusterSecurityGroup/) };
    // One rule each way, however many functions declare the endpoint.
    expect(Object.values(resourcesOfType(template, 'AWS::EC2::SecurityGroupIngress'))).toEqual([
      expect.objectContaining({
        Properties: expect.objectContaining({
          ...https,
          GroupId: clusterGroup,
          SourceSecurityGroupId: functionsGroup,
        }),
      }),
    ]);
    expect(Object.values(resourcesOfType(template, 'AWS::EC2::SecurityGroupEgress'))).toEqual([
      expect.objectContaining({
        Properties: expect.objectContaining({
          ...https,
          GroupId: functionsGroup,
          DestinationSecurityGroupId: clusterGroup,
        }),
      }),
    ]);
  });

  it('opens each endpoint port to the VPC CIDR, one rule per port naming every endpoint on it', () => {
    const { stack, network } = networkUnderTest({
      'minio-s3': 'http://minio.example.internal:9000',
      'prefect-api': 'http://prefect.example.internal/api',
      'alertmanager-api': 'http://alertmanager.example.internal:9093',
      'prometheus-api': 'http://prometheus.example.internal:9090',
    });
    network.placementFor({
      functionName: 'check-s5cmd-throughput',
      environmentSchema: s5cmdThroughputHandlerEnvironment,
      reaches: ['kubernetes-api', 'minio-s3'],
    });
    network.placementFor({
      functionName: 'check-prefect-api-latency',
      environmentSchema: prefectApiLatencyHandlerEnvironment,
      reaches: ['prefect-api'],
    });
    const vpcCidr = { 'Fn::ImportValue': expect.stringMatching(/CidrBlock/) };
    expect(egressOf(stack)).toEqual([
      expect.objectContaining({ ...https, CidrIp: '0.0.0.0/0' }),
      expect.objectContaining({
        IpProtocol: 'tcp',
        FromPort: 9000,
        ToPort: 9000,
        CidrIp: vpcCidr,
        Description: 'MinIO S3 API (minio.example.internal:9000) inside the VPC',
      }),
      expect.objectContaining({
        IpProtocol: 'tcp',
        FromPort: 80,
        ToPort: 80,
        CidrIp: vpcCidr,
        Description: 'Prefect API (prefect.example.internal) inside the VPC',
      }),
    ]);
  });

  it('opens the monitoring APIs on their own ports for the remediation functions that declare them', () => {
    const { stack, network } = networkUnderTest({
      ...HTTPS_URLS,
      'alertmanager-api': 'http://alertmanager.example.internal:9093',
      'prometheus-api': 'http://prometheus.example.internal:9090',
    });
    const placement = network.placementFor({
      functionName: 'silence-alert',
      environmentSchema: alertmanagerHandlerEnvironment,
      reaches: ['alertmanager-api'],
    });
    network.placementFor({
      functionName: 'verify-alert-cleared',
      environmentSchema: prometheusHandlerEnvironment,
      reaches: ['prometheus-api'],
    });
    expect(placement?.securityGroups).toEqual([network.securityGroup]);
    expect(egressOf(stack)).toEqual([
      expect.objectContaining({ ...https, CidrIp: '0.0.0.0/0' }),
      expect.objectContaining({
        FromPort: 9093,
        Description: 'Alertmanager API (alertmanager.example.internal:9093) inside the VPC',
      }),
      expect.objectContaining({
        FromPort: 9090,
        Description: 'Prometheus API (prometheus.example.internal:9090) inside the VPC',
      }),
    ]);
  });

  it('keeps one VPC rule when MinIO and Prefect share a port, and its description names both', () => {
    const { stack, network } = networkUnderTest();
    network.placementFor({
      functionName: 'probe-minio-s3',
      environmentSchema: minioHandlerEnvironment,
      reaches: ['minio-s3'],
    });
    network.placementFor({
      functionName: 'check-prefect-api-latency',
      environmentSchema: prefectApiLatencyHandlerEnvironment,
      reaches: ['prefect-api'],
    });
    expect(egressOf(stack)).toEqual([
      expect.objectContaining({ ...https, CidrIp: '0.0.0.0/0' }),
      expect.objectContaining({
        ...https,
        Description:
          'MinIO S3 API (minio.example.internal), Prefect API (prefect.example.internal) inside the VPC',
      }),
    ]);
  });
});

describe('checkReachDeclaration', () => {
  it('accepts a function that names the cluster but calls only the EKS API', () => {
    expect(() =>
      checkReachDeclaration({
        functionName: 'ensure-node-groups',
        environmentSchema: nodeGroupsHandlerEnvironment,
        reaches: [],
      }),
    ).not.toThrow();
  });

  it('refuses a function with a MinIO endpoint that does not declare it reaches MinIO', () => {
    expect(() =>
      checkReachDeclaration({
        functionName: 'probe-minio-s3',
        environmentSchema: minioHandlerEnvironment,
        reaches: [],
      }),
    ).toThrow(
      'probe-minio-s3 has MINIO_ENDPOINT in its environment schema but does not declare "minio-s3" in reaches: it would be left outside the cluster VPC',
    );
  });

  it('refuses a function with a Prefect API URL that does not declare it reaches Prefect', () => {
    expect(() =>
      checkReachDeclaration({
        functionName: 'check-prefect-api-latency',
        environmentSchema: prefectApiLatencyHandlerEnvironment,
        reaches: [],
      }),
    ).toThrow(
      /check-prefect-api-latency has PREFECT_API_URL in its environment schema but does not declare "prefect-api"/,
    );
  });

  it('refuses a function with an Alertmanager or Prometheus URL that does not declare it', () => {
    expect(() =>
      checkReachDeclaration({
        functionName: 'silence-alert',
        environmentSchema: alertmanagerHandlerEnvironment,
        reaches: [],
      }),
    ).toThrow(
      /silence-alert has ALERTMANAGER_URL in its environment schema but does not declare "alertmanager-api"/,
    );
    expect(() =>
      checkReachDeclaration({
        functionName: 'verify-alert-cleared',
        environmentSchema: prometheusHandlerEnvironment,
        reaches: [],
      }),
    ).toThrow(
      /verify-alert-cleared has PROMETHEUS_URL in its environment schema but does not declare "prometheus-api"/,
    );
  });

  it('refuses a declared Kubernetes API without a cluster to find it by', () => {
    expect(() =>
      checkReachDeclaration({
        functionName: 'notify',
        environmentSchema: z.extend(powertoolsEnvironment, {}),
        reaches: ['kubernetes-api'],
      }),
    ).toThrow(
      'notify declares that it reaches kubernetes-api, but its environment schema has no CLUSTER_NAME or DR_CLUSTER_NAME to find it by',
    );
  });
});

describe('portOf', () => {
  it('takes the port of the URL, else the default of its scheme', () => {
    expect(portOf('minio-s3', 'http://minio.minio.svc:9000')).toBe(9000);
    expect(portOf('minio-s3', 'https://minio.example.com')).toBe(443);
    expect(portOf('prefect-api', 'http://prefect.example.com/api')).toBe(80);
  });

  it('names the endpoint and what was expected for a URL it cannot use', () => {
    expect(() => portOf('minio-s3', 'minio:9000')).toThrow(
      'minio-s3 URL "minio:9000": expected an http or https URL, got minio:',
    );
    expect(() => portOf('prefect-api', 'not a url')).toThrow(
      'prefect-api URL "not a url" is not a URL (expected http(s)://host[:port][/path])',
    );
  });
});
