import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { type ContextObject, evaluatePayloadTemplate, queryPath } from '../payload-template.ts';
import { StatesError } from './states-error.ts';

/**
 * A Distributed Map's ItemReader, read the way Step Functions reads it: `s3:getObject` with
 * ReaderConfig InputType JSON (one array) or JSONL (one item per line), or `s3:listObjectsV2`
 * (one item per object, in key order). Parameters are evaluated against the Map's effective input
 * like any payload template (`Bucket.$`, `Key.$`). A read that fails is `States.ItemReaderFailed`.
 */
export interface ItemSource {
  getObjectText(bucket: string, key: string): Promise<string>;
  listObjects(bucket: string, prefix: string | undefined): AsyncIterable<ListedObject>;
}

/** What listObjectsV2 hands each child: the shape Step Functions documents (LastModified in epoch seconds). */
export interface ListedObject {
  readonly Etag: string;
  readonly Key: string;
  readonly LastModified: number;
  readonly Size: number;
  readonly StorageClass: string;
}

export interface ItemReaderSpec {
  readonly Resource: string;
  readonly Parameters?: unknown;
  readonly ReaderConfig?: {
    readonly InputType?: string;
    readonly MaxItems?: number;
    readonly MaxItemsPath?: string;
  };
}

const GET_OBJECT = /^arn:aws[a-z-]*:states:::s3:getObject$/;
const LIST_OBJECTS = /^arn:aws[a-z-]*:states:::s3:listObjectsV2$/;
const INPUT_TYPES = ['JSON', 'JSONL'] as const;
/** AWS's own ceiling on MaxItems. */
const MAX_ITEMS_LIMIT = 100_000_000;

/** Problems that make the reader unusable whatever the input: reported when the workflow loads. */
export function itemReaderProblems(spec: ItemReaderSpec): string[] {
  if (LIST_OBJECTS.test(spec.Resource)) return [];
  if (!GET_OBJECT.test(spec.Resource)) {
    return [
      `ItemReader.Resource ${spec.Resource}: expected arn:aws:states:::s3:getObject or arn:aws:states:::s3:listObjectsV2`,
    ];
  }
  const inputType = spec.ReaderConfig?.InputType;
  if (!INPUT_TYPES.includes(inputType as (typeof INPUT_TYPES)[number])) {
    return [
      `ItemReader.ReaderConfig.InputType ${JSON.stringify(inputType)}: the local runner reads ${INPUT_TYPES.join(' or ')} (CSV and MANIFEST are not bridged)`,
    ];
  }
  return [];
}

export async function readItems(
  source: ItemSource,
  spec: ItemReaderSpec,
  input: unknown,
  context: ContextObject,
  stateName: string,
): Promise<unknown[]> {
  const parameters = evaluatePayloadTemplate(
    spec.Parameters ?? {},
    input,
    `${stateName}.ItemReader.Parameters`,
    context,
  ) as Record<string, unknown>;
  const bucket = parameters.Bucket;
  if (typeof bucket !== 'string' || bucket === '') {
    throw new StatesError(
      'States.ItemReaderFailed',
      `${stateName}: ItemReader.Parameters.Bucket must be a bucket name`,
    );
  }
  const maxItems = maxItemsOf(spec, input, context, stateName);
  let items: unknown[];
  try {
    items = LIST_OBJECTS.test(spec.Resource)
      ? await listAll(source, bucket, optionalString(parameters.Prefix), maxItems)
      : parseItems(
          await source.getObjectText(bucket, requireKey(parameters.Key, stateName)),
          spec.ReaderConfig?.InputType,
        );
  } catch (error) {
    if (error instanceof StatesError) throw error;
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new StatesError(
      'States.ItemReaderFailed',
      `${stateName}: reading items from s3://${bucket} failed: ${reason}`,
    );
  }
  return items.slice(0, maxItems);
}

function maxItemsOf(spec: ItemReaderSpec, input: unknown, context: ContextObject, stateName: string): number {
  const config = spec.ReaderConfig ?? {};
  const value =
    config.MaxItemsPath !== undefined
      ? queryPath(config.MaxItemsPath, input, `${stateName}.ItemReader.ReaderConfig.MaxItemsPath`, context)
      : config.MaxItems;
  if (value === undefined || value === 0) return MAX_ITEMS_LIMIT;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new StatesError(
      'States.Runtime',
      `${stateName}: ItemReader MaxItems must be a non-negative integer, got ${JSON.stringify(value)}`,
    );
  }
  return Math.min(value, MAX_ITEMS_LIMIT);
}

function requireKey(key: unknown, stateName: string): string {
  if (typeof key !== 'string' || key === '') {
    throw new StatesError(
      'States.ItemReaderFailed',
      `${stateName}: ItemReader.Parameters.Key must be an object key`,
    );
  }
  return key;
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function parseItems(text: string, inputType: string | undefined): unknown[] {
  if (inputType === 'JSONL') {
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as unknown);
  }
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) {
    throw new TypeError(
      `the object holds ${typeof parsed === 'object' ? 'an object' : typeof parsed}, expected a JSON array`,
    );
  }
  return parsed;
}

async function listAll(
  source: ItemSource,
  bucket: string,
  prefix: string | undefined,
  maxItems: number,
): Promise<ListedObject[]> {
  const items: ListedObject[] = [];
  for await (const object of source.listObjects(bucket, prefix)) {
    items.push(object);
    if (items.length >= maxItems) break;
  }
  return items;
}

/** An ItemSource over an S3 API endpoint; the client is created on first use. */
export function s3ItemSource(client: () => S3Client): ItemSource {
  return {
    async getObjectText(bucket, key) {
      const response = await client().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return (await response.Body?.transformToString('utf8')) ?? '';
    },
    async *listObjects(bucket, prefix) {
      let token: string | undefined;
      do {
        const page = await client().send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const object of page.Contents ?? []) {
          yield {
            Etag: object.ETag ?? '',
            Key: object.Key ?? '',
            LastModified: Math.floor((object.LastModified?.getTime() ?? 0) / 1000),
            Size: object.Size ?? 0,
            StorageClass: object.StorageClass ?? 'STANDARD',
          };
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },
  };
}
