import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  ListResourceRecordSetsCommand,
  type ResourceRecordSet,
  type Route53Client,
  type RRType,
} from '@aws-sdk/client-route-53';
import { InvalidInputError, TransientError } from '../errors';
import type { RegionName, TrafficControl, TrafficShift, TrafficState } from '../ports';
import { callAws } from './sdk-errors';

export interface Route53WeightedTrafficProps {
  readonly route53: Route53Client;
  readonly hostedZoneId: string;
  /** The global name, e.g. `api.orders.example.com`. */
  readonly recordName: string;
  readonly ttlSeconds: number;
  /** One weighted record per region: SetIdentifier = region name, value = this host. */
  readonly regions: ReadonlyArray<{ readonly name: RegionName; readonly host: string }>;
  /** @default real timer */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default 5000 */
  readonly pollIntervalMs?: number;
  /**
   * How long one invocation waits for INSYNC before handing back to the ASL Retry. Keep it well under
   * the Lambda timeout and the ShiftTraffic TimeoutSeconds (300).
   * @default 120000
   */
  readonly maxWaitMs?: number;
  /**
   * `all-to-target` (route53-weighted): the target gets weight 100, the source 0. `drain-source`
   * (active-active): only the impaired region goes to 0; the target keeps the weight it serves with
   * (or 100 if it had none, since an all-zero set would spread traffic evenly again).
   * @default 'all-to-target'
   */
  readonly mode?: 'all-to-target' | 'drain-source';
}

/** Route 53 answers names in lower case, absolute, with a trailing dot. */
const normalizeName = (name: string) => name.toLowerCase().replace(/\.$/, '');

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Weighted CNAME records under the global name, one per region. The whole shift is one change batch:
 * Route 53 applies a batch atomically, so clients never see both records at 0 (which Route 53 would
 * treat as equal weights) nor both at 100.
 */
export class Route53WeightedTraffic implements TrafficControl {
  readonly strategy: 'route53-weighted' | 'active-active';
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly pollIntervalMs: number;
  private readonly maxWaitMs: number;

  constructor(private readonly props: Route53WeightedTrafficProps) {
    this.strategy = props.mode === 'drain-source' ? 'active-active' : 'route53-weighted';
    this.sleep = props.sleep ?? realSleep;
    this.pollIntervalMs = props.pollIntervalMs ?? 5_000;
    this.maxWaitMs = props.maxWaitMs ?? 120_000;
  }

  async describe(): Promise<TrafficState> {
    return { weights: this.sharesOf(await this.listRecords()) };
  }

  private sharesOf(records: Map<string, ResourceRecordSet>): Record<RegionName, number> {
    const weights: Record<RegionName, number | undefined> = {};
    for (const r of this.props.regions) weights[r.name] = records.get(r.name)?.Weight;
    return toShares(weights);
  }

  async shiftTo(to: RegionName, from: RegionName): Promise<TrafficShift> {
    const target = this.region(to);
    const source = this.region(from);
    if (to === from) throw new InvalidInputError('shiftTo needs two different regions');
    const records = await this.listRecords();
    const before = { weights: this.sharesOf(records) };
    const { hostedZoneId, recordName, ttlSeconds } = this.props;
    const targetWeight = this.props.mode === 'drain-source' ? records.get(to)?.Weight || 100 : 100;
    const record = (region: { name: string; host: string }, weight: number): ResourceRecordSet => ({
      Name: recordName,
      Type: 'CNAME',
      SetIdentifier: region.name,
      Weight: weight,
      TTL: ttlSeconds,
      ResourceRecords: [{ Value: region.host }],
    });
    // UPSERT with the same values is a no-op, which makes an ASL retry of this task safe.
    const change = await callAws('Route 53 ChangeResourceRecordSets', () =>
      this.props.route53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: hostedZoneId,
          ChangeBatch: {
            Comment: `DR: all traffic for ${recordName} to ${to}`,
            Changes: [
              { Action: 'UPSERT', ResourceRecordSet: record(target, targetWeight) },
              { Action: 'UPSERT', ResourceRecordSet: record(source, 0) },
            ],
          },
        }),
      ),
    );
    const changeId = change.ChangeInfo?.Id;
    if (!changeId) throw new TransientError('Route 53 accepted the change but returned no change id to wait on');
    await this.waitInSync(changeId, change.ChangeInfo?.Status);
    const weights: Record<RegionName, number> = {};
    for (const r of this.props.regions) weights[r.name] = r.name === to ? 100 : 0;
    return { before, after: { weights }, changeId, via: `route53:ChangeResourceRecordSets ${hostedZoneId}` };
  }

  private region(name: RegionName): { name: string; host: string } {
    const found = this.props.regions.find((r) => r.name === name);
    if (!found) throw new InvalidInputError(`Region ${name} has no weighted record (configured: ${this.props.regions.map((r) => r.name).join(', ')})`);
    return found;
  }

  private async waitInSync(changeId: string, initialStatus: string | undefined): Promise<void> {
    if (initialStatus === 'INSYNC') return;
    const polls = Math.max(1, Math.ceil(this.maxWaitMs / this.pollIntervalMs));
    for (let i = 0; i < polls; i++) {
      await this.sleep(this.pollIntervalMs);
      const res = await callAws('Route 53 GetChange', () => this.props.route53.send(new GetChangeCommand({ Id: changeId })));
      if (res.ChangeInfo?.Status === 'INSYNC') return;
    }
    throw new TransientError(`Route 53 change ${changeId} not INSYNC after ${this.maxWaitMs} ms; retrying re-applies the same UPSERTs and waits again`);
  }

  /** The weighted records of the global name, by SetIdentifier. */
  private async listRecords(): Promise<Map<string, ResourceRecordSet>> {
    const { hostedZoneId, recordName } = this.props;
    const wanted = normalizeName(recordName);
    const found = new Map<string, ResourceRecordSet>();
    type RecordStart = { name: string; type: RRType; identifier?: string };
    let start: RecordStart | undefined = { name: recordName, type: 'CNAME' };
    // Records come sorted by name then type, so the set ends at the first record of another name or type.
    while (start) {
      const from: RecordStart = start;
      const page = await callAws('Route 53 ListResourceRecordSets', () =>
        this.props.route53.send(
          new ListResourceRecordSetsCommand({
            HostedZoneId: hostedZoneId,
            StartRecordName: from.name,
            StartRecordType: from.type,
            ...(from.identifier ? { StartRecordIdentifier: from.identifier } : {}),
          }),
        ),
      );
      let leftTheSet = false;
      for (const r of page.ResourceRecordSets ?? []) {
        if (normalizeName(r.Name ?? '') !== wanted || r.Type !== 'CNAME') {
          leftTheSet = true;
          break;
        }
        if (r.SetIdentifier) found.set(r.SetIdentifier, r);
      }
      start =
        !leftTheSet && page.IsTruncated && page.NextRecordName
          ? { name: page.NextRecordName, type: page.NextRecordType ?? 'CNAME', identifier: page.NextRecordIdentifier }
          : undefined;
    }
    return found;
  }
}

/**
 * Route 53 weights are relative; the port speaks in shares of traffic. A region without a record
 * gets no traffic.
 */
function toShares(weights: Record<RegionName, number | undefined>): Record<RegionName, number> {
  const names = Object.keys(weights);
  const present = names.filter((r) => weights[r] !== undefined);
  const total = present.reduce((n, r) => n + (weights[r] ?? 0), 0);
  // Route 53 spreads traffic evenly when every record in the set weighs 0.
  if (total === 0) return Object.fromEntries(names.map((r) => [r, present.includes(r) ? Math.round(100 / present.length) : 0]));
  return Object.fromEntries(names.map((r) => [r, Math.round(((weights[r] ?? 0) / total) * 100)]));
}
