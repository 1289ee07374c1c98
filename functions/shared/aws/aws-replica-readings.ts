import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { DataStoreConfig, DrConfig } from '../../../config/schema';
import type { ComparisonLayout, HeartbeatReading, RegionName, ReplicaItems, ReplicationLagEvidence, SegmentPage } from '../ports';
import { AwsReplicationHeartbeats, TableKeyShapes } from './aws-replication-heartbeats';
import { clientConfig, perRegion } from './clients';
import { CloudWatchReplicationLag, type CloudWatchReplicationLagProps } from './cloudwatch-replication-lag';
import { ReplicaItemReaders } from './replica-item-readers';

export interface AwsReplicaReadingsProps extends CloudWatchReplicationLagProps {
  readonly dynamoDbFor: (region: RegionName) => DynamoDBClient;
  /** The two configured regions, primary first (the heartbeat keys of numeric-keyed tables are assigned by position). */
  readonly regions: readonly [string, string];
}

/**
 * What the validator reads of the replicas in AWS, one adapter per idea: the replication heartbeat, CloudWatch's lag
 * metrics, and the item readers its comparison pages through. The heartbeat and the readers share one cache of table
 * key schemas. Promotion (RDS) is not here: the orchestrator wires `AuroraGlobalPromotion` alone, and neither
 * function bundles the other's clients.
 */
export class AwsReplicaReadings implements ReplicationLagEvidence, ReplicaItems {
  private readonly heartbeats: AwsReplicationHeartbeats;
  private readonly lag: CloudWatchReplicationLag;
  private readonly readers: ReplicaItemReaders;

  constructor(props: AwsReplicaReadingsProps) {
    const keyShapes = new TableKeyShapes(props.dynamoDbFor);
    this.heartbeats = new AwsReplicationHeartbeats({ dynamoDbFor: props.dynamoDbFor, s3For: props.s3For, regions: props.regions, keyShapes });
    this.lag = new CloudWatchReplicationLag(props);
    this.readers = new ReplicaItemReaders({ dynamoDbFor: props.dynamoDbFor, s3For: props.s3For, keyShapes });
  }

  /** Read in `readIn` (the region being activated, in a failover or failback): never in the region being left. */
  newestHeartbeat(store: DataStoreConfig, origin: RegionName, readIn: RegionName): Promise<HeartbeatReading> {
    return this.heartbeats.newest(store, origin, readIn);
  }

  replicationLagMs(store: DataStoreConfig, from: RegionName, to: RegionName): Promise<number | null> {
    return this.lag.replicationLagMs(store, from, to);
  }

  comparisonLayout(store: DataStoreConfig, to: RegionName): Promise<ComparisonLayout> {
    return this.readers.comparisonLayout(store, to);
  }

  scanSegment(store: DataStoreConfig, region: RegionName, segment: number, totalSegments: number, cursor: string | null): Promise<SegmentPage> {
    return this.readers.scanSegment(store, region, segment, totalSegments, cursor);
  }
}

/** The adapter for a config's two regions: one client per region and service (CloudWatch, DynamoDB, S3), created on first use. */
export function awsReplicaReadings(config: DrConfig): AwsReplicaReadings {
  return new AwsReplicaReadings({
    regions: [config.regions.primary.name, config.regions.standby.name],
    cloudWatchFor: perRegion(config, (r) => new CloudWatchClient(clientConfig(r))),
    dynamoDbFor: perRegion(config, (r) => new DynamoDBClient(clientConfig(r))),
    s3For: perRegion(config, (r) => new S3Client(clientConfig(r))),
  });
}
