import * as clientNode from '@kubernetes/client-node';

/**
 * Offline validation against the Kubernetes OpenAPI schemas, like `kubeconform -strict`:
 * - kubernetes-models (the API's OpenAPI schemas compiled to validators; @kubernetes-models/istio
 *   and /external-secrets for the CRDs) checks types, required fields, enums and formats;
 * - @kubernetes/client-node's models (generated from the same OpenAPI document) list every field
 *   of every built-in type, which catches a misspelt or misplaced field, which the schemas allow.
 */

interface ValidatingModel {
  validate(): void;
}
type ModelClass = new (data: unknown) => ValidatingModel;

interface AttributeType {
  baseName: string;
  type: string;
}
type ClientModel = { getAttributeTypeMap(): AttributeType[] };

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** The module of kubernetes-models (or its CRD packages) that holds the kind's schema. */
export function schemaModuleOf(apiVersion: string, kind: string): string {
  const { group, version } = splitApiVersion(apiVersion);
  if (group.endsWith('istio.io')) return `@kubernetes-models/istio/${group}/${version}/${kind}`;
  if (group === 'external-secrets.io')
    return `@kubernetes-models/external-secrets/${group}/${version}/${kind}`;
  return `kubernetes-models/${group === '' ? '' : `${group}/`}${version}/${kind}`;
}

/** Built-in kinds are the ones kubernetes-models itself (not a CRD package) describes. */
const isBuiltIn = (apiVersion: string, kind: string) =>
  schemaModuleOf(apiVersion, kind).startsWith('kubernetes-models/');

async function modelClass(apiVersion: string, kind: string): Promise<ModelClass | undefined> {
  try {
    const module = (await import(schemaModuleOf(apiVersion, kind))) as Record<string, unknown>;
    return module[kind] as ModelClass | undefined;
  } catch {
    return undefined;
  }
}

function clientModel(type: string): ClientModel | undefined {
  const candidate = (clientNode as unknown as Record<string, unknown>)[type] as
    | Partial<ClientModel>
    | undefined;
  return typeof candidate?.getAttributeTypeMap === 'function' ? (candidate as ClientModel) : undefined;
}

/** Fields that the type (a client-node model, array or map type string) does not have. */
function unknownFields(value: unknown, type: string, path: string): string[] {
  if (value === null || value === undefined) return [];
  const array = /^Array<(.+)>$/.exec(type);
  if (array?.[1] && Array.isArray(value)) {
    const itemType = array[1];
    return value.flatMap((item, index) => unknownFields(item, itemType, `${path}[${index}]`));
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map?.[1] && typeof value === 'object') {
    const valueType = map[1];
    return Object.entries(value).flatMap(([key, item]) => unknownFields(item, valueType, `${path}.${key}`));
  }
  const model = clientModel(type);
  if (!model || typeof value !== 'object' || Array.isArray(value)) return [];
  const attributes = model.getAttributeTypeMap();
  return Object.entries(value).flatMap(([key, item]) => {
    const attribute = attributes.find((candidate) => candidate.baseName === key);
    return attribute
      ? unknownFields(item, attribute.type, `${path}.${key}`)
      : [`${path}.${key}: unknown field (${type} has no such field)`];
  });
}

function clientTypeName(apiVersion: string, kind: string): string {
  const { version } = splitApiVersion(apiVersion);
  return `${version.charAt(0).toUpperCase()}${version.slice(1)}${kind}`;
}

/** Every way the document departs from its kind's schema; empty when it conforms. */
export async function schemaProblems(document: Record<string, unknown>): Promise<string[]> {
  const { apiVersion, kind } = document;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string')
    return ['apiVersion and kind must be strings'];
  const Model = await modelClass(apiVersion, kind);
  if (!Model)
    return [`no schema for ${apiVersion} ${kind} (${schemaModuleOf(apiVersion, kind)} does not exist)`];
  const problems: string[] = [];
  try {
    new Model(document).validate();
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (isBuiltIn(apiVersion, kind)) {
    const type = clientTypeName(apiVersion, kind);
    if (!clientModel(type)) problems.push(`@kubernetes/client-node has no model ${type}`);
    else problems.push(...unknownFields(document, type, '$'));
  }
  return problems;
}
