import { type AttributeValue, PutItemCommand } from '@aws-sdk/client-dynamodb';

/**
 * An optimistic write of a DR record (a fence's saved originals, a traffic switch): the item is
 * put only if nobody wrote it since it was read (`version` still the one read), or, for a first
 * write, only if it does not exist yet. A ConditionalCheckFailedException then means another
 * attempt saved first, and the caller reads again instead of overwriting what it saved.
 */
export function versionedPut(
  tableName: string,
  item: Record<string, AttributeValue>,
  readVersion: number | undefined,
): PutItemCommand {
  return new PutItemCommand({
    TableName: tableName,
    Item: item,
    ConditionExpression: readVersion === undefined ? 'attribute_not_exists(pk)' : 'version = :expected',
    ...(readVersion === undefined
      ? {}
      : { ExpressionAttributeValues: { ':expected': { N: String(readVersion) } } }),
  });
}
