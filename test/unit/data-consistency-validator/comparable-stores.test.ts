import { comparisonShape, itemHash } from '../../../functions/data-consistency-validator/comparable-stores';
import { hashValue } from '../../../functions/data-consistency-validator/compare';
import { store } from '../aws/fixtures';

describe('comparisonShape: what is compared item by item, and how it splits', () => {
  it('a DynamoDB table in parallel-scan segments, an S3 bucket as one listing', () => {
    expect(comparisonShape(store('dynamodb-global-table'))).toEqual({ compared: true, splittable: true });
    expect(comparisonShape(store('s3-replicated'))).toEqual({ compared: true, splittable: false });
  });

  it('Aurora rows are not compared, and the reason names the cluster and the evidence used instead', () => {
    expect(comparisonShape(store('aurora-global'))).toEqual({
      compared: false,
      detail: 'Aurora global cluster ledger-global: rows not compared (that needs database credentials); its replication lag metric is the evidence.',
    });
  });
});

describe('itemHash: what the digests compare', () => {
  it('hashes an item’s text, the same text alike and another text apart', () => {
    expect(itemHash('{"total":10}')).toBe(hashValue('{"total":10}'));
    expect(itemHash('{"total":10}')).toBe(itemHash('{"total":10}'));
    expect(itemHash('{"total":10}')).not.toBe(itemHash('{"total":11}'));
  });

  it('takes a number standing for the value (an S3 object size) as it is', () => {
    expect(itemHash(1_234)).toBe(1_234);
    expect(itemHash(0)).toBe(0);
  });
});
