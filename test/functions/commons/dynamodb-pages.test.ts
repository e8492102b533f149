import { BatchWriteItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { queryAll, queryPages, scanAll } from '../../../functions/commons/dynamodb-pages.ts';
import { TransientError } from '../../../functions/commons/errors.ts';
import { AWS_TEST_CREDENTIALS, TEST_REGION } from '../support/lambda.ts';
import { OPS_TABLE, useLocalDynamoDb } from '../support/local-dynamodb.ts';

const sortKeys = (count: number) =>
  Array.from({ length: count }, (_, index) => `item-${String(index).padStart(3, '0')}`);

/** A Query of one partition that returns at most four items a page, so every read spans pages. */
const partitionQuery = (partition: string) => ({
  TableName: OPS_TABLE,
  KeyConditionExpression: 'pk = :pk',
  ExpressionAttributeValues: { ':pk': { S: partition } },
  Limit: 4,
});

describe('dynamodb-pages', () => {
  const dynamo = useLocalDynamoDb();

  async function write(
    partition: string,
    keys: string[],
    request: 'PutRequest' | 'DeleteRequest',
  ): Promise<void> {
    for (let start = 0; start < keys.length; start += 25) {
      const requests = keys.slice(start, start + 25).map((sk) => ({
        [request]: { [request === 'PutRequest' ? 'Item' : 'Key']: { pk: { S: partition }, sk: { S: sk } } },
      }));
      await dynamo.client().send(new BatchWriteItemCommand({ RequestItems: { [OPS_TABLE]: requests } }));
    }
  }

  it('reads every page of a Query when a page holds fewer items than match', async () => {
    await write('PAGES#all', sortKeys(10), 'PutRequest');
    const items = await queryAll(dynamo.client(), partitionQuery('PAGES#all'), 'query test');
    expect(items.map((item) => item.sk?.S)).toEqual(sortKeys(10));
  });

  it('reads the next page only after the caller is done with the last one', async () => {
    await write('PAGES#lazy', sortKeys(10), 'PutRequest');
    const pageSizes: number[] = [];
    for await (const page of queryPages(dynamo.client(), partitionQuery('PAGES#lazy'), 'query test')) {
      pageSizes.push(page.length);
      // A reader that fetched ahead would still hand out the items deleted here.
      if (pageSizes.length === 1) await write('PAGES#lazy', sortKeys(10).slice(4), 'DeleteRequest');
    }
    expect(pageSizes).toEqual([4, 0]);
  });

  it('reads every page of a filtered Scan', async () => {
    await write('PAGES#scan', sortKeys(7), 'PutRequest');
    const items = await scanAll(
      dynamo.client(),
      {
        TableName: OPS_TABLE,
        FilterExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: 'PAGES#scan' } },
        Limit: 3,
      },
      'scan test',
    );
    expect(items.map((item) => item.sk?.S).sort()).toEqual(sortKeys(7));
  });

  it('names the operation when a page fails transiently', async () => {
    const unreachable = new DynamoDBClient({
      endpoint: 'http://127.0.0.1:9',
      region: TEST_REGION,
      credentials: AWS_TEST_CREDENTIALS,
      maxAttempts: 1,
    });
    const reading = queryAll(unreachable, partitionQuery('PAGES#none'), 'dynamodb:Query pages-test');
    await expect(reading).rejects.toBeInstanceOf(TransientError);
    await expect(reading).rejects.toThrow(/dynamodb:Query pages-test failed transiently/);
    unreachable.destroy();
  });
});
