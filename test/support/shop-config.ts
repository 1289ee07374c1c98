import type { DrConfigInput } from '../../config/schema';

/** The two regions and the account of the drctl tests' application. */
export const EAST = 'us-east-1';
export const WEST = 'us-west-2';
export const ACCOUNT = '111122223333';
export const ZONE = 'Z0123456789ABCDEFGHIJ';

/** The config the drctl tests load from a file: application `shop`, weighted Route 53 records, one DynamoDB table. */
export const shopConfigInput: DrConfigInput = {
  application: 'shop',
  regions: {
    primary: { name: EAST, healthUrl: 'https://e.shop.example.com/health', apiEndpoint: 'https://e.shop.example.com' },
    standby: { name: WEST, healthUrl: 'https://w.shop.example.com/health', apiEndpoint: 'https://w.shop.example.com' },
  },
  globalDomain: { name: 'api.shop.example.com', ttlSeconds: 15 },
  traffic: { strategy: 'route53-weighted', hostedZoneId: ZONE },
  dataStores: [{ kind: 'dynamodb-global-table', name: 'orders', tableName: 'orders' }],
  approval: { approvers: ['oncall@example.com'], escalation: ['leads@example.com'] },
  objectives: { rtoSeconds: 120, rpoSeconds: 5 },
};
