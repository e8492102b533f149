import {
  type AttributeValue,
  type DynamoDBClient,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  type ScanCommandInput,
} from '@aws-sdk/client-dynamodb';
import { callAws } from './transient-errors.ts';

type Item = Record<string, AttributeValue>;

interface Page {
  Items?: Item[];
  LastEvaluatedKey?: Item;
}

/**
 * The pages of a Query, read one at a time as the caller asks for them, so a caller that acts on
 * each page (deleting what it read) is done with a page before the next is read.
 * `operation` names the call in errors.
 */
export function queryPages(
  dynamoDb: DynamoDBClient,
  input: Omit<QueryCommandInput, 'ExclusiveStartKey'>,
  operation: string,
): AsyncGenerator<Item[]> {
  return pages(operation, (startKey) =>
    dynamoDb.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey })),
  );
}

/** Every item a Query matches, page after page. */
export function queryAll(
  dynamoDb: DynamoDBClient,
  input: Omit<QueryCommandInput, 'ExclusiveStartKey'>,
  operation: string,
): Promise<Item[]> {
  return allItems(queryPages(dynamoDb, input, operation));
}

/** Every item a Scan returns, page after page. */
export function scanAll(
  dynamoDb: DynamoDBClient,
  input: Omit<ScanCommandInput, 'ExclusiveStartKey'>,
  operation: string,
): Promise<Item[]> {
  return allItems(
    pages(operation, (startKey) => dynamoDb.send(new ScanCommand({ ...input, ExclusiveStartKey: startKey }))),
  );
}

async function* pages(
  operation: string,
  read: (startKey: Item | undefined) => Promise<Page>,
): AsyncGenerator<Item[]> {
  let startKey: Item | undefined;
  do {
    const page = await callAws(operation, () => read(startKey));
    yield page.Items ?? [];
    startKey = page.LastEvaluatedKey;
  } while (startKey);
}

async function allItems(itemPages: AsyncIterable<Item[]>): Promise<Item[]> {
  const items: Item[] = [];
  for await (const page of itemPages) items.push(...page);
  return items;
}
