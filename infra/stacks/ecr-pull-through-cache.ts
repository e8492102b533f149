import { type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { CfnPullThroughCacheRule } from 'aws-cdk-lib/aws-ecr';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import {
  DOCKER_HUB,
  type RepositoryPrefixes,
} from '../../functions/core/dr/failover/gates/image-references.ts';

/**
 * How ECR reaches each upstream registry the manifests name (the keys of the images gate's
 * DEFAULT_REPOSITORY_PREFIXES): ECR's name for it, the URL it pulls from, and whether it only
 * caches with credentials (Docker Hub and GitHub's registry do; quay and the Kubernetes registry
 * serve public images anonymously).
 */
export interface UpstreamRegistry {
  readonly upstreamRegistry: string;
  readonly url: string;
  readonly needsCredentials: boolean;
}

export const UPSTREAM_REGISTRIES: Readonly<Record<string, UpstreamRegistry>> = {
  // ECR pulls Docker Hub from its registry host, not from the name images are known by.
  [DOCKER_HUB]: { upstreamRegistry: 'docker-hub', url: 'registry-1.docker.io', needsCredentials: true },
  'quay.io': { upstreamRegistry: 'quay', url: 'quay.io', needsCredentials: false },
  'registry.k8s.io': { upstreamRegistry: 'k8s', url: 'registry.k8s.io', needsCredentials: false },
  'ghcr.io': { upstreamRegistry: 'github-container-registry', url: 'ghcr.io', needsCredentials: true },
};

/** ECR reads upstream credentials only from secrets whose name starts with this. */
export const PULL_THROUGH_SECRET_PREFIX = 'ecr-pullthroughcache/';

export function pullThroughSecretName(environment: string, repositoryPrefix: string): string {
  return `${PULL_THROUGH_SECRET_PREFIX}lakehouse-ops-${environment}-${repositoryPrefix}`;
}

export interface EcrPullThroughCacheProps {
  readonly environment: string;
  /** Upstream registry host -> repository prefix: the rules to create. */
  readonly prefixes: RepositoryPrefixes;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * One pull-through cache rule per upstream registry in the stack's region, so the DR cluster pulls
 * `<account>.dkr.ecr.<region>.amazonaws.com/<prefix>/<repository>` and ECR keeps a copy of every
 * image once pulled. A registry that needs credentials gets a secret of the name ECR requires,
 * created with a placeholder (ECR refuses a rule whose secret does not exist); the operator puts
 * the registry's user name and access token in it (docs/dr.md, "Deployment").
 */
export class EcrPullThroughCache extends Construct {
  readonly rules: Record<string, CfnPullThroughCacheRule> = {};
  readonly credentials: Record<string, Secret> = {};

  constructor(scope: Construct, id: string, props: EcrPullThroughCacheProps) {
    super(scope, id);
    for (const [host, prefix] of Object.entries(props.prefixes)) {
      const upstream = UPSTREAM_REGISTRIES[host];
      if (!upstream) {
        throw new Error(
          `no pull-through cache rule can be made for registry ${host} (prefix ${prefix}): ECR's upstream for it is unknown; expected one of ${Object.keys(UPSTREAM_REGISTRIES).join(', ')}`,
        );
      }
      const secret = upstream.needsCredentials ? this.credentialSecret(props, host, prefix) : undefined;
      this.rules[prefix] = new CfnPullThroughCacheRule(this, `${pascal(prefix)}Rule`, {
        ecrRepositoryPrefix: prefix,
        upstreamRegistry: upstream.upstreamRegistry,
        upstreamRegistryUrl: upstream.url,
        credentialArn: secret?.secretArn,
      });
    }
  }

  /**
   * What pulls through the rules: the first pull of an image creates its repository and imports
   * it, which needs more than a plain pull, on the rules' repositories only.
   */
  pullStatement(): PolicyStatement {
    const stack = Stack.of(this);
    return new PolicyStatement({
      actions: ['ecr:CreateRepository', 'ecr:BatchImportUpstreamImage'],
      resources: Object.keys(this.rules).map((prefix) =>
        stack.formatArn({ service: 'ecr', resource: 'repository', resourceName: `${prefix}/*` }),
      ),
    });
  }

  private credentialSecret(props: EcrPullThroughCacheProps, host: string, prefix: string): Secret {
    const secret = new Secret(this, `${pascal(prefix)}Credentials`, {
      secretName: pullThroughSecretName(props.environment, prefix),
      description: `lakehouse-ops ${props.environment}: ECR pull-through cache credentials for ${host} ({"username", "accessToken"}); the operator sets them`,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: 'set-by-the-operator' }),
        generateStringKey: 'accessToken',
        excludePunctuation: true,
      },
      removalPolicy: props.removalPolicy,
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: `Rotated by hand: the value is an access token ${host} issues to an account of the operator's; a rotation Lambda cannot obtain a new one`,
    });
    return secret;
  }
}

function pascal(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
