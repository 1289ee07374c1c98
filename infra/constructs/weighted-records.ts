import { Duration } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';

export interface WeightedRecordsProps {
  readonly hostedZoneId: string;
  /** The global name clients use. */
  readonly recordName: string;
  readonly ttlSeconds: number;
  /** One record each, in this order of weight: the first gets 100, every other 0. */
  readonly regions: ReadonlyArray<{ readonly name: string; readonly host: string }>;
}

/**
 * The weighted CNAME records the `route53-weighted` strategy moves. traffic-router finds and rewrites them by
 * SetIdentifier = region name (functions/shared/aws/route53-weighted-traffic.ts), so that is the identifier here.
 * They carry no health check on purpose: with one, Route 53 would move traffic by itself, before the quorum
 * and the approval; and traffic-router's UPSERT writes records without one, so an association would vanish at
 * the first failover. L1 records so the SetIdentifier and weight are exactly what the function writes.
 */
export class WeightedRecords extends Construct {
  readonly records = new Map<string, route53.CfnRecordSet>();

  constructor(scope: Construct, id: string, props: WeightedRecordsProps) {
    super(scope, id);
    props.regions.forEach((region, i) => {
      const record = new route53.CfnRecordSet(this, `Record-${region.name}`, {
        hostedZoneId: props.hostedZoneId,
        name: props.recordName,
        type: 'CNAME',
        setIdentifier: region.name,
        weight: i === 0 ? 100 : 0,
        ttl: String(Duration.seconds(props.ttlSeconds).toSeconds()),
        resourceRecords: [region.host],
      });
      this.records.set(region.name, record);
    });
  }
}
