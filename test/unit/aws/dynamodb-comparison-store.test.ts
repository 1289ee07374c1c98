import { PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import 'aws-sdk-client-mock-jest';
import { DynamoDbComparisonStore } from '../../../functions/shared/aws/dynamodb-comparison-store';
import { fixedClock } from './fixtures';
import { ddb, ddbMock, NOW, resetRegionalMocks, WEST } from './regional-clients';

beforeEach(resetRegionalMocks);

describe('DynamoDbComparisonStore', () => {
  const table = () => new DynamoDbComparisonStore({ dynamoDb: ddb[WEST], tableName: 'comparison', clock: fixedClock(NOW) });

  it('puts a part with a week of TTL, and lists a prefix with strongly consistent queries across pages', async () => {
    ddbMock[WEST].on(PutItemCommand).resolves({});
    await table().put('inc/validate/1', 'd/orders/0000/0000', new Uint8Array([1, 2, 3]));
    expect(ddbMock[WEST]).toHaveReceivedCommandWith(PutItemCommand, {
      TableName: 'comparison',
      Item: {
        comparisonId: { S: 'inc/validate/1' },
        part: { S: 'd/orders/0000/0000' },
        body: { B: new Uint8Array([1, 2, 3]) },
        expiresAt: { N: String(Date.parse(NOW) / 1000 + 7 * 86_400) },
      },
    });
    ddbMock[WEST]
      .on(QueryCommand)
      .resolvesOnce({ Items: [{ part: { S: 'd/a' }, body: { B: new Uint8Array([1]) } }], LastEvaluatedKey: { part: { S: 'd/a' } } })
      .resolvesOnce({ Items: [{ part: { S: 'd/b' }, body: { B: new Uint8Array([2]) } }] });
    await expect(table().list('inc/validate/1', 'd/')).resolves.toEqual([
      { part: 'd/a', body: new Uint8Array([1]) },
      { part: 'd/b', body: new Uint8Array([2]) },
    ]);
    expect(ddbMock[WEST]).toHaveReceivedCommandWith(QueryCommand, {
      ConsistentRead: true,
      ExpressionAttributeValues: { ':c': { S: 'inc/validate/1' }, ':p': { S: 'd/' } },
    });
  });
});
