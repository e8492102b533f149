import { afterAll, beforeAll } from 'vitest';
import type { NodeGroupConfig } from '../../../local/aws-sim/eks.ts';
import { type AwsSim, type AwsSimOptions, startAwsSim } from '../../../local/aws-sim/server.ts';
import { type KubeSim, type KubeSimOptions, startKubeSim } from '../../../local/kube-sim/index.ts';
import { TEST_REGION } from './lambda.ts';

/** The account in lambdaContext()'s function ARN, and so in every ARN a handler builds from it. */
export const TEST_ACCOUNT = '123456789012';
export const TEST_CLUSTER = 'lakehouse-test';

function started<Service>(service: Service | undefined, what: string): Service {
  if (!service) throw new Error(`${what} is used before its beforeAll hook ran`);
  return service;
}

/** aws-sim for the AWS control planes, started before and stopped after the enclosing describe. */
export function useAwsSim(options: () => AwsSimOptions = () => ({})): () => AwsSim {
  let sim: AwsSim | undefined;
  beforeAll(async () => {
    sim = await startAwsSim({ region: TEST_REGION, accountId: TEST_ACCOUNT, ...options() });
  });
  afterAll(() => sim?.stop());
  return () => started(sim, 'aws-sim');
}

export interface SimulatedCluster {
  kube(): KubeSim;
  awsSim(): AwsSim;
  /** CLUSTER_NAME and the AWS endpoints (EKS, AWS Backup) for the handler's environment. */
  environment(): Record<string, string>;
}

/**
 * An EKS cluster as the Kubernetes handlers reach it in the drill: kube-sim behind aws-sim's EKS
 * DescribeCluster, with the handler's EKS token checked by kube-sim. aws-sim also serves the other
 * control planes `awsSimOptions` seeds (AWS Backup vaults, secrets).
 */
export function useSimulatedCluster(
  kubeOptions: () => KubeSimOptions = () => ({}),
  awsSimOptions: () => AwsSimOptions = () => ({}),
  nodeGroups: () => readonly NodeGroupConfig[] = () => [],
): SimulatedCluster {
  let kube: KubeSim | undefined;
  beforeAll(async () => {
    kube = await startKubeSim(kubeOptions());
  }, 60_000);
  afterAll(() => kube?.stop());
  const awsSim = useAwsSim(() => ({
    ...awsSimOptions(),
    clusters: [
      {
        name: TEST_CLUSTER,
        version: '1.31',
        endpoint: started(kube, 'kube-sim').url,
        nodeGroups: nodeGroups(),
      },
    ],
  }));
  return {
    kube: () => started(kube, 'kube-sim'),
    awsSim,
    environment: () => ({
      CLUSTER_NAME: TEST_CLUSTER,
      AWS_ENDPOINT_URL_EKS: awsSim().url,
      AWS_ENDPOINT_URL_BACKUP: awsSim().url,
    }),
  };
}
