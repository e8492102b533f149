import {
  type AttributeValue,
  type DynamoDBClient,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import { callAws } from '../../../commons/transient-errors.ts';

/** Every item a Query matches, page after page (`operation` names it in errors). */
export async function queryAll(
  dynamoDb: DynamoDBClient,
  input: Omit<QueryCommandInput, 'ExclusiveStartKey'>,
  operation: string,
): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await callAws(operation, () =>
      dynamoDb.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey })),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}
