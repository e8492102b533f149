import type {
  V1LabelSelector,
  V1NetworkPolicy,
  V1NetworkPolicyEgressRule,
  V1NetworkPolicyPeer,
  V1NetworkPolicyPort,
} from '@kubernetes/client-node';
import type { IPeerAuthentication } from '@kubernetes-models/istio/security.istio.io/v1/PeerAuthentication';
import type { ClusterEnvironment } from './environments.ts';
import { FLOW_RUN_LABEL, PG_TOOLS_APP, platformIdentities } from './identities.ts';
import { type Manifest, manifest } from './manifest.ts';
import { type AppIdentity, platformMeta, selectorLabels } from './metadata.ts';
import { MINIO_S3_PORT } from './minio.ts';
import {
  ALERTMANAGER_CLUSTER_PORT,
  ALERTMANAGER_PORT,
  GRAFANA_PORT,
  PROMETHEUS_PORT,
} from './monitoring/ports.ts';
import { lakehouseNamespaces } from './namespaces.ts';
import { POSTGRES_PORT } from './postgresql.ts';
import { PREFECT_API_PORT } from './prefect.ts';

/**
 * Zero trust inside the cluster: every lakehouse namespace denies all traffic in and out, then
 * allows exactly the flows each component needs. Outside dependencies without a selector (the EKS
 * API endpoint, AWS APIs, kubelets) are allowed by port; the instance metadata service never is
 * (pods get AWS credentials from the EKS Pod Identity agent instead).
 */
export const ISTIO_NAMESPACE = 'istio-system';
/** The Istio ingress gateway that exposes the Prefect UI/API, MinIO's S3 API and Grafana. */
export const INGRESS_GATEWAY_NAMESPACE = 'istio-ingress';
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
/** Istio's merged Prometheus endpoint on every meshed pod (outside mTLS, see pods.ts). */
const ISTIO_METRICS_PORT = 15020;
const ISTIOD_XDS_PORT = 15012;
const POD_IDENTITY_AGENT = '169.254.170.23/32';
const INSTANCE_METADATA = '169.254.169.254/32';
const KUBELET_PORT = 10250;

function tcp(port: number): V1NetworkPolicyPort {
  return { protocol: 'TCP', port };
}

function inNamespace(namespace: string): V1NetworkPolicyPeer {
  return { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } } };
}

function podsOf(identity: AppIdentity, namespace?: string): V1NetworkPolicyPeer {
  return {
    podSelector: { matchLabels: selectorLabels(identity) },
    ...(namespace ? inNamespace(namespace) : {}),
  };
}

const ANYWHERE_BUT_METADATA: V1NetworkPolicyPeer = {
  ipBlock: { cidr: '0.0.0.0/0', except: [INSTANCE_METADATA] },
};

/** HTTPS to the EKS API endpoint and AWS services (S3, Secrets Manager, CloudWatch, STS). */
const HTTPS_EGRESS: V1NetworkPolicyEgressRule = { to: [ANYWHERE_BUT_METADATA], ports: [tcp(443)] };
/** AWS credentials for pods with an EKS Pod Identity association. */
const POD_IDENTITY_EGRESS: V1NetworkPolicyEgressRule = {
  to: [{ ipBlock: { cidr: POD_IDENTITY_AGENT } }],
  ports: [tcp(80)],
};

/**
 * client-node names this field `_from` (a TypeScript keyword clash) and maps it to `from` only in its
 * serializer; these objects are written as they are, so they use the wire name.
 */
interface IngressRule {
  from?: V1NetworkPolicyPeer[];
  ports?: V1NetworkPolicyPort[];
}

interface PolicyRules {
  readonly ingress?: IngressRule[];
  readonly egress?: V1NetworkPolicyEgressRule[];
}

function networkPolicy(
  name: string,
  namespace: string,
  podSelector: V1LabelSelector,
  rules: PolicyRules,
): Manifest {
  const policyTypes = [...(rules.ingress ? ['Ingress'] : []), ...(rules.egress ? ['Egress'] : [])];
  return manifest<V1NetworkPolicy>({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: platformMeta(name, namespace),
    spec: { podSelector, policyTypes, ...rules },
  });
}

function forPods(identity: AppIdentity): V1LabelSelector {
  return { matchLabels: selectorLabels(identity) };
}

/** What every lakehouse namespace gets: deny all, then DNS, the mesh's control plane and scraping. */
function namespaceBaseline(namespace: string, prometheus: V1NetworkPolicyPeer): Manifest[] {
  return [
    networkPolicy('default-deny-all', namespace, {}, { ingress: [], egress: [] }),
    networkPolicy(
      'allow-dns',
      namespace,
      {},
      {
        egress: [
          {
            to: [{ ...inNamespace('kube-system'), podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
            ports: [{ protocol: 'UDP', port: 53 }, tcp(53)],
          },
        ],
      },
    ),
    networkPolicy(
      'allow-istio-control-plane',
      namespace,
      {},
      {
        egress: [
          {
            to: [{ ...inNamespace(ISTIO_NAMESPACE), podSelector: { matchLabels: { app: 'istiod' } } }],
            ports: [tcp(ISTIOD_XDS_PORT)],
          },
        ],
      },
    ),
    networkPolicy(
      'allow-prometheus-scrape',
      namespace,
      {},
      {
        ingress: [{ from: [prometheus], ports: [tcp(ISTIO_METRICS_PORT)] }],
      },
    ),
  ];
}

export function networkPolicies(environment: ClusterEnvironment): Manifest[] {
  const { prefect, minio, s5cmd, monitoring } = environment.layout;
  const id = platformIdentities(environment);
  const prometheus = podsOf(id.prometheus, monitoring.namespace);
  const gateway = inNamespace(INGRESS_GATEWAY_NAMESPACE);
  const pgTools = { podSelector: { matchLabels: { 'app.kubernetes.io/name': PG_TOOLS_APP } } };
  const flowRuns: V1LabelSelector = { matchExpressions: [{ key: FLOW_RUN_LABEL, operator: 'Exists' }] };
  const toPrefectApi: V1NetworkPolicyEgressRule = {
    to: [podsOf(id.prefectServer)],
    ports: [tcp(PREFECT_API_PORT)],
  };
  const toMinio: V1NetworkPolicyEgressRule = {
    to: [podsOf(id.minio, minio.namespace)],
    ports: [tcp(MINIO_S3_PORT)],
  };
  const toPostgres: V1NetworkPolicyEgressRule = { to: [podsOf(id.postgresql)], ports: [tcp(POSTGRES_PORT)] };

  return [
    ...lakehouseNamespaces(environment).flatMap((namespace) => namespaceBaseline(namespace, prometheus)),

    // Prefect: the API serves workers and flow runs (same namespace) and the UI/API through the gateway.
    networkPolicy('prefect-server', prefect.namespace, forPods(id.prefectServer), {
      ingress: [{ from: [{ podSelector: {} }, gateway], ports: [tcp(PREFECT_API_PORT)] }],
      egress: [toPostgres],
    }),
    networkPolicy('prefect-worker', prefect.namespace, forPods(id.prefectWorker), {
      egress: [toPrefectApi, HTTPS_EGRESS],
    }),
    networkPolicy('prefect-flow-runs', prefect.namespace, flowRuns, {
      egress: [toPrefectApi, toMinio, HTTPS_EGRESS, POD_IDENTITY_EGRESS],
    }),
    networkPolicy('prefect-postgresql', prefect.namespace, forPods(id.postgresql), {
      ingress: [{ from: [podsOf(id.prefectServer), pgTools], ports: [tcp(POSTGRES_PORT)] }],
    }),
    // The backup workflow's pg_dump / pg_restore Jobs: the database, then S3.
    networkPolicy('pg-tools', prefect.namespace, pgTools.podSelector, {
      egress: [toPostgres, HTTPS_EGRESS, POD_IDENTITY_EGRESS],
    }),

    // MinIO: peers talk to each other; flow runs, s5cmd Jobs and the gateway (Lambdas) use the S3 API.
    networkPolicy('minio', minio.namespace, forPods(id.minio), {
      ingress: [
        {
          from: [
            podsOf(id.minio),
            { ...inNamespace(prefect.namespace), podSelector: flowRuns },
            inNamespace(s5cmd.namespace),
            gateway,
          ],
          ports: [tcp(MINIO_S3_PORT)],
        },
      ],
      egress: [{ to: [podsOf(id.minio)], ports: [tcp(MINIO_S3_PORT)] }],
    }),

    networkPolicy('s5cmd-transfers', s5cmd.namespace, forPods(id.s5cmd), {
      egress: [toMinio, HTTPS_EGRESS, POD_IDENTITY_EGRESS],
    }),

    // Monitoring.
    networkPolicy('prometheus', monitoring.namespace, forPods(id.prometheus), {
      ingress: [{ from: [podsOf(id.grafana), gateway], ports: [tcp(PROMETHEUS_PORT)] }],
      egress: [
        {
          to: [
            {
              namespaceSelector: {
                matchExpressions: [
                  { key: NAMESPACE_NAME_LABEL, operator: 'In', values: lakehouseNamespaces(environment) },
                ],
              },
            },
          ],
          ports: [tcp(ISTIO_METRICS_PORT)],
        },
        { to: [podsOf(id.alertmanager)], ports: [tcp(ALERTMANAGER_PORT)] },
        // Kubelets (cAdvisor metrics) and the API server (service discovery) have no pod selector.
        { to: [ANYWHERE_BUT_METADATA], ports: [tcp(KUBELET_PORT), tcp(443)] },
      ],
    }),
    networkPolicy('alertmanager', monitoring.namespace, forPods(id.alertmanager), {
      ingress: [
        // The gateway: remediate's silence-alert and expire-silence Lambdas (ALERTMANAGER_URL).
        { from: [podsOf(id.prometheus), podsOf(id.grafana), gateway], ports: [tcp(ALERTMANAGER_PORT)] },
        {
          from: [podsOf(id.alertmanager)],
          ports: [tcp(ALERTMANAGER_CLUSTER_PORT), { protocol: 'UDP', port: ALERTMANAGER_CLUSTER_PORT }],
        },
      ],
      egress: [
        {
          to: [podsOf(id.alertmanager)],
          ports: [tcp(ALERTMANAGER_CLUSTER_PORT), { protocol: 'UDP', port: ALERTMANAGER_CLUSTER_PORT }],
        },
        // The lakehouse-ops alert webhook (an AWS endpoint).
        HTTPS_EGRESS,
      ],
    }),
    networkPolicy('grafana', monitoring.namespace, forPods(id.grafana), {
      ingress: [{ from: [gateway], ports: [tcp(GRAFANA_PORT)] }],
      egress: [
        { to: [podsOf(id.prometheus)], ports: [tcp(PROMETHEUS_PORT)] },
        { to: [podsOf(id.alertmanager)], ports: [tcp(ALERTMANAGER_PORT)] },
        // CloudWatch, where lakehouse-ops' own metrics are.
        HTTPS_EGRESS,
        POD_IDENTITY_EGRESS,
      ],
    }),
    networkPolicy('kube-state-metrics', monitoring.namespace, forPods(id.kubeStateMetrics), {
      egress: [HTTPS_EGRESS],
    }),
  ];
}

/** Mutual TLS between every pair of meshed workloads; plaintext from outside the mesh is refused. */
export function peerAuthentications(environment: ClusterEnvironment): Manifest[] {
  return lakehouseNamespaces(environment).map((namespace) => {
    const policy: IPeerAuthentication & Manifest = {
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthentication',
      metadata: platformMeta('default', namespace),
      spec: { mtls: { mode: 'STRICT' } },
    };
    return policy;
  });
}
