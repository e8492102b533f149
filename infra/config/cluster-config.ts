import { z } from 'zod';

/**
 * The ClusterStack's settings (infra/stacks/cluster-stack.ts): network, Kubernetes version, endpoint
 * access and the three managed node groups. Rules that need other parts of the environment's
 * settings (the region, the platform layout's replica counts) are checked by
 * environment-config.ts; everything checkable here is checked here, so a bad value fails
 * `cdk synth` with its path.
 */

/** The oldest minor the manifests support: their Pod Security labels pin `restricted` at v1.31. */
export const MIN_KUBERNETES_MINOR = 31;
export const AVAILABILITY_ZONE_COUNT = 3;
export const MIN_COMPUTE_INSTANCE_TYPES = 6;

/** The VPC prefix lengths the subnet plan fits: private subnets get an eighth of the VPC each. */
export const VPC_PREFIX_RANGE = { min: 16, max: 18 } as const;

const kubernetesVersion = z
  .string()
  .regex(/^1\.\d{1,2}$/, { message: 'expected a Kubernetes minor version such as "1.35"' })
  .refine((version) => Number(version.split('.')[1]) >= MIN_KUBERNETES_MINOR, {
    message: `expected Kubernetes 1.${MIN_KUBERNETES_MINOR} or newer (the manifests' Pod Security level is pinned at v1.${MIN_KUBERNETES_MINOR})`,
  });

const ipv4Cidr = z.string().refine((cidr) => parseIpv4Cidr(cidr) !== undefined, {
  message: 'expected an IPv4 CIDR block such as "10.40.0.0/16"',
});

interface ParsedCidr {
  readonly address: number;
  readonly prefix: number;
}

/** undefined when the text is not a well-formed IPv4 CIDR block (octets <= 255, prefix <= 32). */
export function parseIpv4Cidr(cidr: string): ParsedCidr | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((octet) => octet > 255) || prefix > 32) return undefined;
  const address = octets.reduce((value, octet) => value * 256 + octet, 0);
  return { address, prefix };
}

function isNetworkAddress({ address, prefix }: ParsedCidr): boolean {
  const hostBits = 2 ** (32 - prefix);
  return address % hostBits === 0;
}

/** RFC 1918: the VPC must not claim public addresses that its nodes may need to reach. */
const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map(
  (range) => parseIpv4Cidr(range) as ParsedCidr,
);

function isInside(inner: ParsedCidr, outer: ParsedCidr): boolean {
  if (inner.prefix < outer.prefix) return false;
  const size = 2 ** (32 - outer.prefix);
  return Math.floor(inner.address / size) === Math.floor(outer.address / size);
}

/** Whether two CIDR blocks share an address (one holds the other); false when either is malformed. */
export function cidrsOverlap(left: string, right: string): boolean {
  const [a, b] = [parseIpv4Cidr(left), parseIpv4Cidr(right)];
  return a !== undefined && b !== undefined && (isInside(a, b) || isInside(b, a));
}

export const vpcCidrSchema = ipv4Cidr.superRefine((cidr, context) => {
  const parsed = parseIpv4Cidr(cidr);
  if (!parsed) return;
  if (!isNetworkAddress(parsed)) {
    context.addIssue({
      code: 'custom',
      message: `expected a network address with no host bits set, such as "10.40.0.0/16" (got "${cidr}")`,
    });
    return;
  }
  if (parsed.prefix < VPC_PREFIX_RANGE.min || parsed.prefix > VPC_PREFIX_RANGE.max) {
    context.addIssue({
      code: 'custom',
      message: `expected a /${VPC_PREFIX_RANGE.min} to /${VPC_PREFIX_RANGE.max} block: each AZ's node subnet is an eighth of the VPC and pods take VPC addresses (got /${parsed.prefix})`,
    });
  }
  if (!PRIVATE_RANGES.some((range) => isInside(parsed, range))) {
    context.addIssue({
      code: 'custom',
      message: 'expected a private (RFC 1918) range: 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16',
    });
  }
});

const publicEndpointCidr = ipv4Cidr.refine((cidr) => (parseIpv4Cidr(cidr)?.prefix ?? 1) > 0, {
  message: 'expected a restricted IPv4 CIDR block (an office or VPN range), never 0.0.0.0/0',
});

const availabilityZone = z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/, {
  message: 'expected an availability zone such as "eu-central-1a"',
});

export const availabilityZonesSchema = z
  .array(availabilityZone)
  .length(AVAILABILITY_ZONE_COUNT, {
    message: `expected exactly ${AVAILABILITY_ZONE_COUNT} availability zones`,
  })
  .refine((zones) => new Set(zones).size === zones.length, {
    message: 'expected three different availability zones',
  });

export const natGatewaysSchema = z.number().int().min(1).max(AVAILABILITY_ZONE_COUNT);

const iamRoleArn = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, {
  message: 'expected an IAM role ARN such as "arn:aws:iam::123456789012:role/platform-admin"',
});

const ec2InstanceType = z
  .string()
  .regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { message: 'expected an EC2 instance type such as "m6i.xlarge"' });

/** Graviton families carry a "g" after the generation digit (m7g, c6gn, i4g, im4gn, r8gd). */
export function isArmInstanceType(instanceType: string): boolean {
  const family = instanceType.split('.')[0] ?? '';
  return /^[a-z]+\d+[a-z]*g[a-z]*$/.test(family);
}

/** Storage-optimised families: i (NVMe SSD), d (dense HDD) and h (throughput HDD). */
export function isStorageOptimisedInstanceType(instanceType: string): boolean {
  return /^(i|im|is|d|h)\d/.test(instanceType);
}

const nodeGroupSchema = z
  .object({
    /** x86_64 only: every node group runs the AL2023 x86_64 AMI. Listed in order of preference. */
    instanceTypes: z
      .array(ec2InstanceType)
      .min(1)
      .superRefine((types, context) => {
        const arm = types.filter(isArmInstanceType);
        if (arm.length > 0) {
          context.addIssue({
            code: 'custom',
            message: `expected x86_64 instance types (the node groups run the AL2023 x86_64 AMI); Graviton: ${arm.join(', ')}`,
          });
        }
        const duplicates = types.filter((type, index) => types.indexOf(type) !== index);
        if (duplicates.length > 0) {
          context.addIssue({ code: 'custom', message: `duplicate instance types: ${duplicates.join(', ')}` });
        }
      }),
    minSize: z.number().int().min(0),
    maxSize: z.number().int().positive(),
    /**
     * The size a new group starts at (default minSize). CloudFormation sets it again only when
     * this value changes, so the cost and provision workflows may scale the group in between.
     */
    desiredSize: z.number().int().min(0).optional(),
    /** Root volume (gp3, encrypted): images and emptyDirs; the workloads' data is on EBS claims. */
    diskSizeGiB: z.number().int().min(20).max(16_384).default(50),
  })
  .superRefine((group, context) => {
    if (group.minSize > group.maxSize) {
      context.addIssue({ code: 'custom', path: ['minSize'], message: 'minSize must not exceed maxSize' });
    }
    const desired = group.desiredSize;
    if (desired !== undefined && (desired < group.minSize || desired > group.maxSize)) {
      context.addIssue({
        code: 'custom',
        path: ['desiredSize'],
        message: `desiredSize must lie between minSize (${group.minSize}) and maxSize (${group.maxSize})`,
      });
    }
  });

export type NodeGroupConfig = z.infer<typeof nodeGroupSchema>;

const storageNodeGroupSchema = nodeGroupSchema.superRefine((group, context) => {
  const others = group.instanceTypes.filter((type) => !isStorageOptimisedInstanceType(type));
  if (others.length > 0) {
    context.addIssue({
      code: 'custom',
      path: ['instanceTypes'],
      message: `expected storage-optimised instance types (i, d or h families) for MinIO and PostgreSQL; not storage-optimised: ${others.join(', ')}`,
    });
  }
});

const computeNodeGroupSchema = nodeGroupSchema.superRefine((group, context) => {
  if (new Set(group.instanceTypes).size < MIN_COMPUTE_INSTANCE_TYPES) {
    context.addIssue({
      code: 'custom',
      path: ['instanceTypes'],
      message: `expected at least ${MIN_COMPUTE_INSTANCE_TYPES} instance types for the spot pool (diversity keeps spot capacity available), got ${group.instanceTypes.length}`,
    });
  }
});

export const clusterConfigSchema = z.object({
  kubernetesVersion,
  vpcCidr: vpcCidrSchema,
  /** Exactly three zones of the environment's region: nodes, NAT gateways and load balancers span them. */
  availabilityZones: availabilityZonesSchema,
  /** One per zone survives a zone outage; one in all saves money where that does not matter. */
  natGateways: natGatewaysSchema,
  /**
   * The API endpoint is always reachable privately from the VPC. Listing CIDR blocks here also
   * opens the public endpoint, to these blocks only (operators' VPN or office ranges).
   */
  publicEndpointCidrs: z.array(publicEndpointCidr).default([]),
  /** IAM roles that get cluster-admin through an access entry (operators, break-glass). */
  adminRoleArns: z.array(iamRoleArn).default([]),
  nodeGroups: z.object({
    /** On-demand, untainted: the Prefect server, monitoring, controllers and add-ons. */
    system: nodeGroupSchema,
    /** On-demand, storage-optimised, tainted: MinIO and PostgreSQL only. */
    storage: storageNodeGroupSchema,
    /** Spot, tainted: Prefect workers, their flow runs and s5cmd Jobs. */
    compute: computeNodeGroupSchema,
  }),
});

export type ClusterConfig = z.infer<typeof clusterConfigSchema>;
