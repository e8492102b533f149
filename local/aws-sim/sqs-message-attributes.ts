import { createHash } from 'node:crypto';
import { AwsServiceError } from './http.ts';

/**
 * SQS message attributes as the JSON protocol carries them (BinaryValue in base64), validated the
 * way SQS validates them, and the MD5 digest SQS returns over them (MD5OfMessageAttributes), which
 * clients compare against their own computation.
 */
export interface MessageAttributeValue {
  readonly DataType: string;
  readonly StringValue?: string;
  readonly BinaryValue?: string;
}
export type MessageAttributes = Readonly<Record<string, MessageAttributeValue>>;

const MAX_ATTRIBUTES = 10;
const NAME_PATTERN = /^[A-Za-z0-9_.-]{1,256}$/;
const DATA_TYPE_PATTERN = /^(String|Number|Binary)(\.[^\s]{1,256})?$/;

export function parseMessageAttributes(value: unknown, field = 'MessageAttributes'): MessageAttributes {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalid(`${field} must be a map of attribute name to value`);
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_ATTRIBUTES) {
    throw invalid(
      `Number of message attributes [${entries.length}] exceeds the allowed maximum [${MAX_ATTRIBUTES}].`,
    );
  }
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const [name, raw] of entries) {
    if (
      !NAME_PATTERN.test(name) ||
      name.includes('..') ||
      /^(aws\.|amazon\.)/i.test(name) ||
      name.startsWith('.') ||
      name.endsWith('.')
    ) {
      throw invalid(
        `Message attribute name '${name}' is invalid: use up to 256 of A-Z a-z 0-9 _ - . (no leading, trailing or double period, no AWS./Amazon. prefix).`,
      );
    }
    attributes[name] = attributeValue(name, raw);
  }
  return attributes;
}

function attributeValue(name: string, raw: unknown): MessageAttributeValue {
  const value = (raw ?? {}) as Record<string, unknown>;
  const dataType = value.DataType;
  if (typeof dataType !== 'string' || !DATA_TYPE_PATTERN.test(dataType)) {
    throw invalid(
      `The message attribute '${name}' has an invalid message attribute type: expected String, Number or Binary (optionally with a .custom suffix).`,
    );
  }
  if (dataType.startsWith('Binary')) {
    if (typeof value.BinaryValue !== 'string' || value.BinaryValue === '') {
      throw invalid(`The message attribute '${name}' with type 'Binary' must use field 'Binary'.`);
    }
    return { DataType: dataType, BinaryValue: value.BinaryValue };
  }
  if (typeof value.StringValue !== 'string' || value.StringValue === '') {
    throw invalid(
      `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${dataType.split('.')[0]}'.`,
    );
  }
  if (dataType.startsWith('Number') && !Number.isFinite(Number(value.StringValue))) {
    throw invalid(`Can't cast the value of message (user) attribute '${name}' to a number.`);
  }
  return { DataType: dataType, StringValue: value.StringValue };
}

/** What an attribute adds to the message size SQS checks against MaximumMessageSize. */
export function attributesByteLength(attributes: MessageAttributes): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(attributes)) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value.DataType) + valueBytes(value).length;
  }
  return bytes;
}

/**
 * SQS's documented digest: attributes sorted by name, each as length-prefixed (4-byte big-endian)
 * name and data type, a transport byte (1 string, 2 binary), then the length-prefixed value.
 */
export function md5OfMessageAttributes(attributes: MessageAttributes): string | undefined {
  const names = Object.keys(attributes).sort();
  if (names.length === 0) return undefined;
  const hash = createHash('md5');
  for (const name of names) {
    const value = attributes[name] as MessageAttributeValue;
    hash.update(lengthPrefixed(Buffer.from(name)));
    hash.update(lengthPrefixed(Buffer.from(value.DataType)));
    hash.update(Buffer.of(value.BinaryValue === undefined ? 1 : 2));
    hash.update(lengthPrefixed(valueBytes(value)));
  }
  return hash.digest('hex');
}

/** Only the attributes a ReceiveMessage asked for: `All`, `.*`, exact names or `prefix.*`. */
export function selectMessageAttributes(
  attributes: MessageAttributes,
  requested: readonly string[],
): MessageAttributes {
  const wanted = (name: string) =>
    requested.some(
      (pattern) =>
        pattern === 'All' ||
        pattern === '.*' ||
        pattern === name ||
        (pattern.endsWith('.*') && name.startsWith(pattern.slice(0, -1))),
    );
  return Object.fromEntries(Object.entries(attributes).filter(([name]) => wanted(name)));
}

function valueBytes(value: MessageAttributeValue): Buffer {
  return value.BinaryValue === undefined
    ? Buffer.from(value.StringValue ?? '', 'utf8')
    : Buffer.from(value.BinaryValue, 'base64');
}

function lengthPrefixed(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

function invalid(message: string): AwsServiceError {
  return new AwsServiceError('InvalidParameterValue', message, 400);
}
