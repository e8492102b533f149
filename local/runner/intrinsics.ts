/**
 * Resolves the CloudFormation intrinsic functions that CDK writes into a template (Ref, Fn::GetAtt,
 * Fn::Join, Fn::Sub, Fn::Select, Fn::Split and the AWS:: pseudo parameters) to plain values, the way
 * CloudFormation would at deploy time, with the local account and region. What a resource reference
 * resolves to is the caller's decision (ResourceResolver), so the same code serves definitions and
 * environment variables.
 */

export interface ResourceResolver {
  /** `{ Ref: logicalId }` */
  ref(logicalId: string): string;
  /** `{ "Fn::GetAtt": [logicalId, attribute] }` */
  getAtt(logicalId: string, attribute: string): string;
}

export interface PseudoParameters {
  readonly region: string;
  readonly accountId: string;
  readonly partition: string;
  readonly stackName: string;
}

export class UnresolvableTokenError extends Error {
  override readonly name = 'UnresolvableTokenError';
}

export function resolveIntrinsics(
  value: unknown,
  resources: ResourceResolver,
  pseudo: PseudoParameters,
): unknown {
  const resolve = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(resolve);
    if (node === null || typeof node !== 'object') return node;
    const entries = Object.entries(node);
    const [first] = entries;
    if (entries.length === 1 && first && isIntrinsic(first[0])) return resolveIntrinsic(first[0], first[1]);
    return Object.fromEntries(entries.map(([key, child]) => [key, resolve(child)]));
  };

  const resolveString = (node: unknown, where: string): string => {
    const resolved = resolve(node);
    if (typeof resolved !== 'string') {
      throw new UnresolvableTokenError(`${where} must resolve to a string, got ${JSON.stringify(resolved)}`);
    }
    return resolved;
  };

  const pseudoParameter = (name: string): string | undefined =>
    ({
      'AWS::Region': pseudo.region,
      'AWS::AccountId': pseudo.accountId,
      'AWS::Partition': pseudo.partition,
      'AWS::StackName': pseudo.stackName,
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::NoValue': undefined,
    })[name];

  const referTo = (name: string): string => {
    if (name.startsWith('AWS::')) {
      const value = pseudoParameter(name);
      if (value === undefined) throw new UnresolvableTokenError(`Unsupported pseudo parameter ${name}`);
      return value;
    }
    return resources.ref(name);
  };

  function resolveIntrinsic(name: string, argument: unknown): unknown {
    switch (name) {
      case 'Ref':
        return referTo(String(argument));
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = Array.isArray(argument) ? argument : String(argument).split(/\.(.*)/s);
        return resources.getAtt(String(logicalId), String(attribute));
      }
      case 'Fn::Join': {
        const [delimiter, parts] = argument as [string, unknown];
        const list = resolve(parts);
        if (!Array.isArray(list)) throw new UnresolvableTokenError('Fn::Join expects a list');
        return list.map((part, index) => resolveString(part, `Fn::Join part ${index}`)).join(delimiter);
      }
      case 'Fn::Select': {
        const [index, list] = argument as [unknown, unknown];
        const resolvedList = resolve(list);
        const position = Number(resolve(index));
        if (!Array.isArray(resolvedList) || !(position in resolvedList)) {
          throw new UnresolvableTokenError(`Fn::Select index ${position} is out of range`);
        }
        return resolvedList[position];
      }
      case 'Fn::Split': {
        const [delimiter, source] = argument as [string, unknown];
        return resolveString(source, 'Fn::Split source').split(delimiter);
      }
      case 'Fn::Sub':
        return substitute(argument);
      default:
        throw new UnresolvableTokenError(`Unsupported intrinsic function ${name}`);
    }
  }

  function substitute(argument: unknown): string {
    const [template, variables = {}] = Array.isArray(argument) ? argument : [argument];
    if (typeof template !== 'string') throw new UnresolvableTokenError('Fn::Sub expects a string template');
    const values = resolve(variables) as Record<string, unknown>;
    // `${!Literal}` is an escaped `${Literal}` and is written out as is.
    return template.replace(/\$\{(!?)([^}]+)\}/g, (_match, escaped: string, name: string) => {
      if (escaped) return `\${${name}}`;
      if (name in values) return String(values[name]);
      const [logicalId, attribute] = name.split(/\.(.*)/s);
      return attribute ? resources.getAtt(logicalId!, attribute) : referTo(name);
    });
  }

  return resolve(value);
}

function isIntrinsic(key: string): boolean {
  return key === 'Ref' || key.startsWith('Fn::');
}
