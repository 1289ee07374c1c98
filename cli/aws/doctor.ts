import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeAlarmsCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeGlobalClustersCommand, type RDSClient } from '@aws-sdk/client-rds';
import { ListResourceRecordSetsCommand, type ListResourceRecordSetsCommandOutput, type Route53Client, type RRType } from '@aws-sdk/client-route-53';
import { GetRoutingControlStateCommand, type Route53RecoveryClusterClient } from '@aws-sdk/client-route53-recovery-cluster';
import { HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { DescribeStateMachineCommand, paginateListStateMachines, type SFNClient } from '@aws-sdk/client-sfn';
import { paginateListSubscriptionsByTopic, type SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { DrConfig } from '../../config/schema';
import { alarmNamePrefix, compositeAlarmName, exportNamePrefix, GLOBAL, signalAlarmName, siteStateParameterPrefix } from '../../config/resource-names';
import { awsSetupHint, CliError, firstLine } from './errors';
import { stateMachineName, type Workflow } from './state-machine';

/**
 * `drctl doctor`: reads a deployed account and says which prerequisites of a real failover are missing.
 * Every check is one row; only what the SDK clients installed in this project can read is checked, and
 * anything else is said to be "not checked" instead of being passed over in silence.
 */

export type CheckStatus = 'ok' | 'missing' | 'error' | 'not-checked';

export interface DoctorCheck {
  readonly name: string;
  /** An AWS region, or `global` for Route 53 and ARC routing controls, or `both` for cross-region rules. */
  readonly region: string;
  readonly status: CheckStatus;
  /** What was found (or why it could not be read). */
  readonly detail: string;
  /** One line saying how to fix it; empty when the check passed. */
  readonly fix: string;
}

/** The SDK clients doctor reads with; tests pass aws-sdk-client-mock'ed ones. */
export interface DoctorClients {
  cloudformation(region: string): Pick<CloudFormationClient, 'send'>;
  sfn(region: string): Pick<SFNClient, 'send'>;
  ssm(region: string): Pick<SSMClient, 'send'>;
  cloudwatch(region: string): Pick<CloudWatchClient, 'send'>;
  sns(region: string): Pick<SNSClient, 'send'>;
  route53(): Pick<Route53Client, 'send'>;
  dynamodb(region: string): Pick<DynamoDBClient, 'send'>;
  rds(region: string): Pick<RDSClient, 'send'>;
  s3(region: string): Pick<S3Client, 'send'>;
  /** A client bound to one ARC cluster data-plane endpoint. */
  arc(endpoint: { region: string; endpoint: string }): Pick<Route53RecoveryClusterClient, 'send'>;
}

/** Route 53 health-check metrics (and so their alarms) exist only here (infra/constructs/detection.ts). */
const ROUTE53_METRICS_REGION = 'us-east-1';
const DEPLOY_FIX = 'deploy the control plane: npx cdk deploy --all (docs/deploy.md)';

/** An AWS error turned into a check row, or a CliError (exit 2) when no check can be trusted (credentials, network). */
function failed(err: unknown, base: { name: string; region: string }, permission: string): DoctorCheck {
  const hint = awsSetupHint(err, base.region === 'global' ? ROUTE53_METRICS_REGION : base.region);
  if (hint?.startsWith('Access denied')) {
    return { ...base, status: 'error', detail: `cannot check: ${permission} denied`, fix: `allow ${permission} to the identity running drctl doctor` };
  }
  // Missing or expired credentials, an unreachable endpoint or a proxy page: every other check would fail alike.
  if (hint) throw new CliError(hint);
  const e = err as Error | undefined;
  if (e instanceof CliError) throw e;
  return {
    ...base,
    status: 'error',
    detail: `${e?.name ?? 'Error'}: ${firstLine(e?.message ?? String(err))}`,
    fix: 'retry; if it persists, check the service health in this region',
  };
}

const errorName = (err: unknown): string => (err as { name?: string } | undefined)?.name ?? '';

/** The outputs doctor needs from a region's stack (infra/stacks/control-plane-stack.ts); a stack without them is out of date. */
export const REQUIRED_OUTPUTS = [
  'FailoverStateMachineArn',
  'FailbackStateMachineArn',
  'AlertTopicArn',
  'EscalationTopicArn',
  'ApprovalTopicArn',
  'ApproverCodeTopicArn',
  'ApprovalApiUrl',
  'SiteStateParameterName',
] as const;

/** Stack statuses in which the stack's resources are all in place (an update in progress keeps the old ones). */
const STACK_IN_PLACE =
  /^(CREATE_COMPLETE|UPDATE_COMPLETE|UPDATE_ROLLBACK_COMPLETE|IMPORT_COMPLETE|IMPORT_ROLLBACK_COMPLETE|UPDATE_IN_PROGRESS|UPDATE_COMPLETE_CLEANUP_IN_PROGRESS|UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS)$/;

/** The region's control-plane stack (`<app>-dr-<region>`, infra/app.ts): deployed, in place, with its outputs. */
async function stackCheck(clients: DoctorClients, config: DrConfig, region: string): Promise<{ check: DoctorCheck; outputs: ReadonlyMap<string, string> }> {
  const stack = `${exportNamePrefix(config.application)}-${region}`;
  const base = { name: `control-plane stack ${stack}`, region };
  const outputs = new Map<string, string>();
  try {
    const res = await clients.cloudformation(region).send(new DescribeStacksCommand({ StackName: stack }));
    const s = res.Stacks?.[0];
    for (const o of s?.Outputs ?? []) if (o.OutputKey && o.OutputValue) outputs.set(o.OutputKey, o.OutputValue);
    const status = s?.StackStatus ?? 'UNKNOWN';
    if (!STACK_IN_PLACE.test(status))
      return {
        check: {
          ...base,
          status: 'missing',
          detail: `the stack is ${status}`,
          fix: `see why in the stack's events (aws cloudformation describe-stack-events --stack-name ${stack} --region ${region}), then ${DEPLOY_FIX}`,
        },
        outputs,
      };
    const absent = REQUIRED_OUTPUTS.filter((k) => !outputs.has(k));
    if (absent.length > 0)
      return {
        check: { ...base, status: 'missing', detail: `${status}, but without the outputs ${absent.join(', ')}: deployed by an older version`, fix: DEPLOY_FIX },
        outputs,
      };
    return { check: { ...base, status: 'ok', detail: `${status}, ${outputs.size} outputs`, fix: '' }, outputs };
  } catch (err) {
    // CloudFormation answers a stack that does not exist with a ValidationError naming it.
    if (errorName(err) === 'ValidationError' && /does not exist/.test((err as Error).message))
      return { check: { ...base, status: 'missing', detail: 'no such stack', fix: DEPLOY_FIX }, outputs };
    return { check: failed(err, base, 'cloudformation:DescribeStacks'), outputs };
  }
}

async function stateMachineChecks(clients: DoctorClients, config: DrConfig, region: string): Promise<DoctorCheck[]> {
  const out: DoctorCheck[] = [];
  let names: Map<string, string>;
  try {
    names = new Map();
    for await (const page of paginateListStateMachines({ client: clients.sfn(region) as SFNClient }, {})) {
      for (const m of page.stateMachines ?? []) if (m.name && m.stateMachineArn) names.set(m.name, m.stateMachineArn);
    }
  } catch (err) {
    return (['failover', 'failback'] as const).map((wf) =>
      failed(err, { name: `state machine ${stateMachineName(config.application, wf)}`, region }, 'states:ListStateMachines'),
    );
  }
  for (const wf of ['failover', 'failback'] as Workflow[]) {
    const name = stateMachineName(config.application, wf);
    const base = { name: `state machine ${name}`, region };
    const arn = names.get(name);
    if (!arn) {
      out.push({ ...base, status: 'missing', detail: `no state machine named ${name}`, fix: DEPLOY_FIX });
      continue;
    }
    try {
      const res = await clients.sfn(region).send(new DescribeStateMachineCommand({ stateMachineArn: arn }));
      out.push(
        res.status === 'ACTIVE'
          ? { ...base, status: 'ok', detail: arn, fix: '' }
          : { ...base, status: 'missing', detail: `${arn} is ${res.status ?? 'in an unknown state'}`, fix: DEPLOY_FIX },
      );
    } catch (err) {
      out.push(
        errorName(err) === 'StateMachineDoesNotExist'
          ? { ...base, status: 'missing', detail: `${arn} does not exist`, fix: DEPLOY_FIX }
          : failed(err, base, 'states:DescribeStateMachine'),
      );
    }
  }
  return out;
}

async function siteStateCheck(clients: DoctorClients, config: DrConfig, region: string): Promise<{ check: DoctorCheck; value?: string }> {
  const parameter = `${siteStateParameterPrefix(config.application)}/${region}`;
  const base = { name: `site state ${parameter}`, region };
  try {
    const res = await clients.ssm(region).send(new GetParameterCommand({ Name: parameter }));
    const v = res.Parameter?.Value;
    if (v === 'ACTIVE' || v === 'PASSIVE') return { check: { ...base, status: 'ok', detail: v, fix: '' }, value: v };
    return {
      check: {
        ...base,
        status: 'missing',
        detail: `holds ${JSON.stringify(v)}, not ACTIVE or PASSIVE`,
        fix: `aws ssm put-parameter --overwrite --name ${parameter} --value PASSIVE --region ${region} (or ACTIVE in the serving region)`,
      },
    };
  } catch (err) {
    if (errorName(err) === 'ParameterNotFound') return { check: { ...base, status: 'missing', detail: 'the parameter does not exist', fix: DEPLOY_FIX } };
    return { check: failed(err, base, 'ssm:GetParameter') };
  }
}

/** Exactly one ACTIVE switch (both, for active-active): two ACTIVE is a split brain, none serves nobody. */
function siteStateRule(config: DrConfig, values: ReadonlyMap<string, string | undefined>): DoctorCheck {
  const activeActive = config.traffic.strategy === 'active-active';
  const name = activeActive ? 'site state: both regions ACTIVE (active-active)' : 'site state: exactly one region ACTIVE';
  const base = { name, region: 'both' };
  if ([...values.values()].some((v) => v === undefined))
    return { ...base, status: 'error', detail: "a region's switch could not be read (see above)", fix: 'fix the site-state rows above first' };
  const active = [...values].filter(([, v]) => v === 'ACTIVE').map(([r]) => r);
  const want = activeActive ? values.size : 1;
  if (active.length === want) return { ...base, status: 'ok', detail: `ACTIVE: ${active.join(', ')}`, fix: '' };
  const primary = config.regions.primary.name;
  return {
    ...base,
    status: 'missing',
    detail: active.length === 0 ? 'no region is ACTIVE' : `ACTIVE: ${active.join(', ')}`,
    fix: activeActive
      ? 'set both switches to ACTIVE (aws ssm put-parameter --overwrite ...)'
      : `set only the serving region's switch to ACTIVE and the other to PASSIVE (aws ssm put-parameter --overwrite --name ${siteStateParameterPrefix(config.application)}/${primary} --value ACTIVE --region ${primary})`,
  };
}

interface ExpectedAlarm {
  readonly name: string;
  readonly region: string;
  /** Whether it must notify (the Route 53 health-check alarms in us-east-1 are forwarded by a rule instead). */
  readonly needsActions: boolean;
}

/** The detection alarms the stacks create, per region (infra/constructs/detection.ts, route53-health-checks.ts). */
export function expectedAlarms(config: DrConfig): ExpectedAlarm[] {
  const prefix = alarmNamePrefix(config.application);
  const regions = [config.regions.primary.name, config.regions.standby.name];
  const out: ExpectedAlarm[] = [];
  for (const region of regions) {
    const peer = regions.find((r) => r !== region)!;
    out.push({ name: compositeAlarmName(prefix, peer), region, needsActions: true });
    for (const vantage of regions)
      for (const target of [...regions, GLOBAL]) out.push({ name: signalAlarmName(prefix, 'canary', vantage, target), region, needsActions: true });
    // Outside us-east-1 a mirror holds the forwarded Route 53 state; in us-east-1 the health-check stack's alarm is the real one.
    for (const target of regions)
      out.push({ name: signalAlarmName(prefix, 'route53-health-check', GLOBAL, target), region, needsActions: region !== ROUTE53_METRICS_REGION });
  }
  if (!regions.includes(ROUTE53_METRICS_REGION)) {
    for (const target of regions)
      out.push({ name: signalAlarmName(prefix, 'route53-health-check', GLOBAL, target), region: ROUTE53_METRICS_REGION, needsActions: false });
  }
  return out;
}

async function alarmChecks(
  clients: DoctorClients,
  region: string,
  expected: readonly ExpectedAlarm[],
): Promise<{ checks: DoctorCheck[]; topicArns: string[] }> {
  const found = new Map<string, string[]>();
  try {
    // DescribeAlarms takes at most 100 names per call; a region expects about ten.
    for (let i = 0; i < expected.length; i += 100) {
      let token: string | undefined;
      do {
        const res = await clients.cloudwatch(region).send(
          new DescribeAlarmsCommand({
            AlarmNames: expected.slice(i, i + 100).map((a) => a.name),
            AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
            NextToken: token,
          }),
        );
        for (const a of [...(res.MetricAlarms ?? []), ...(res.CompositeAlarms ?? [])]) if (a.AlarmName) found.set(a.AlarmName, a.AlarmActions ?? []);
        token = res.NextToken;
      } while (token);
    }
  } catch (err) {
    return { checks: expected.map((a) => failed(err, { name: `alarm ${a.name}`, region }, 'cloudwatch:DescribeAlarms')), topicArns: [] };
  }
  const checks = expected.map((a): DoctorCheck => {
    const base = { name: `alarm ${a.name}`, region };
    const actions = found.get(a.name);
    if (!actions) return { ...base, status: 'missing', detail: 'no such alarm', fix: DEPLOY_FIX };
    if (a.needsActions && actions.length === 0)
      return {
        ...base,
        status: 'missing',
        detail: 'the alarm has no alarm actions: nobody hears it',
        fix: 'redeploy the control plane (it sets the alert topic as the action) or enable its actions: aws cloudwatch enable-alarm-actions',
      };
    return { ...base, status: 'ok', detail: actions.length ? `actions: ${actions.length}` : 'exists (forwarded by an EventBridge rule)', fix: '' };
  });
  const topicArns = [...new Set([...found.values()].flat().filter((arn) => arn.startsWith('arn:aws:sns:')))];
  return { checks, topicArns };
}

/** The topics of a region's stack, by their stack output. */
const TOPICS = [
  { label: 'alert', output: 'AlertTopicArn' },
  { label: 'escalation', output: 'EscalationTopicArn' },
  { label: 'approval', output: 'ApprovalTopicArn' },
  { label: 'approver code', output: 'ApproverCodeTopicArn' },
] as const;

async function topicChecks(clients: DoctorClients, region: string, outputs: ReadonlyMap<string, string>): Promise<DoctorCheck[]> {
  const out: DoctorCheck[] = [];
  for (const t of TOPICS) {
    const arn = outputs.get(t.output);
    const base = { name: `${t.label} topic`, region };
    if (!arn) {
      out.push({ ...base, status: 'missing', detail: `the stack has no ${t.output} output (see the stack row)`, fix: DEPLOY_FIX });
      continue;
    }
    const named = { ...base, name: `${t.label} topic ${arn.split(':').pop()}` };
    try {
      let confirmed = 0;
      let pending = 0;
      for await (const page of paginateListSubscriptionsByTopic({ client: clients.sns(region) as SNSClient }, { TopicArn: arn })) {
        for (const s of page.Subscriptions ?? []) {
          if (!s.SubscriptionArn || s.SubscriptionArn === 'PendingConfirmation') pending++;
          else confirmed++;
        }
      }
      out.push(
        confirmed > 0
          ? { ...named, status: 'ok', detail: `${confirmed} confirmed subscription(s)${pending ? `, ${pending} pending` : ''}`, fix: '' }
          : {
              ...named,
              status: 'missing',
              detail: pending ? `no confirmed subscription (${pending} pending confirmation)` : 'no subscription',
              fix: pending
                ? 'each recipient clicks "Confirm subscription" in the email from AWS Notifications'
                : `subscribe someone: aws sns subscribe --topic-arn ${arn} --protocol email --notification-endpoint ADDRESS`,
            },
      );
    } catch (err) {
      out.push(
        errorName(err) === 'NotFoundException'
          ? { ...named, status: 'missing', detail: `${arn} does not exist`, fix: DEPLOY_FIX }
          : failed(err, named, 'sns:ListSubscriptionsByTopic'),
      );
    }
  }
  return out;
}

const dnsName = (name: string) => (name.endsWith('.') ? name : `${name}.`).toLowerCase();

async function weightedRecordChecks(clients: DoctorClients, config: DrConfig, hostedZoneId: string): Promise<DoctorCheck[]> {
  const regions = [config.regions.primary.name, config.regions.standby.name];
  const wanted = dnsName(config.globalDomain.name);
  const identifiers = new Set<string>();
  try {
    let start: { name?: string; type?: string; id?: string } | undefined = { name: wanted, type: 'CNAME' };
    // Sorted by name then type: the set ends at the first record of another name or type.
    while (start) {
      const res: ListResourceRecordSetsCommandOutput = await clients.route53().send(
        new ListResourceRecordSetsCommand({
          HostedZoneId: hostedZoneId,
          StartRecordName: start.name,
          StartRecordType: start.type as RRType | undefined,
          StartRecordIdentifier: start.id,
        }),
      );
      let other = false;
      for (const r of res.ResourceRecordSets ?? []) {
        if (dnsName(r.Name ?? '') !== wanted || r.Type !== 'CNAME') {
          other = true;
          break;
        }
        if (r.SetIdentifier && r.Weight !== undefined) identifiers.add(r.SetIdentifier);
      }
      start = !other && res.IsTruncated ? { name: res.NextRecordName, type: res.NextRecordType, id: res.NextRecordIdentifier } : undefined;
    }
  } catch (err) {
    if (errorName(err) === 'NoSuchHostedZone') {
      return regions.map((r) => ({
        name: `weighted record ${wanted} ${r}`,
        region: 'global',
        status: 'missing' as const,
        detail: `hosted zone ${hostedZoneId} does not exist`,
        fix: 'fix traffic.hostedZoneId in the config, or create the zone',
      }));
    }
    return regions.map((r) => failed(err, { name: `weighted record ${wanted} ${r}`, region: 'global' }, 'route53:ListResourceRecordSets'));
  }
  return regions.map((r): DoctorCheck => {
    const base = { name: `weighted record ${wanted} ${r}`, region: 'global' };
    if (identifiers.has(r)) return { ...base, status: 'ok', detail: `SetIdentifier ${r} in ${hostedZoneId}`, fix: '' };
    const seen = [...identifiers];
    return {
      ...base,
      status: 'missing',
      detail: `no weighted CNAME with SetIdentifier ${r}${seen.length ? ` (found: ${seen.join(', ')})` : ''}`,
      fix: `create a weighted CNAME ${wanted} with SetIdentifier ${r} (the region name) in ${hostedZoneId}: the traffic router changes records by that identifier`,
    };
  });
}

async function routingControlChecks(clients: DoctorClients, config: DrConfig): Promise<DoctorCheck[]> {
  if (config.traffic.strategy !== 'arc-routing-control') return [];
  const { clusterEndpoints, routingControlArns } = config.traffic;
  const out: DoctorCheck[] = [];
  for (const region of [config.regions.primary.name, config.regions.standby.name]) {
    const arn = routingControlArns[region];
    const base = { name: `routing control for ${region}`, region: 'global' };
    const failures: string[] = [];
    let done = false;
    // The cluster answers on any of its endpoints: one that is down is no prerequisite missing.
    for (const endpoint of clusterEndpoints) {
      try {
        const res = await clients.arc(endpoint).send(new GetRoutingControlStateCommand({ RoutingControlArn: arn }));
        out.push({ ...base, status: 'ok', detail: `${res.RoutingControlName ?? arn} is ${res.RoutingControlState ?? 'in an unknown state'}`, fix: '' });
        done = true;
        break;
      } catch (err) {
        if (errorName(err) === 'ResourceNotFoundException') {
          out.push({
            ...base,
            status: 'missing',
            detail: `${arn} does not exist in the cluster`,
            fix: 'create the routing control in the ARC control panel, or fix traffic.routingControlArns in the config',
          });
          done = true;
          break;
        }
        const hint = awsSetupHint(err, endpoint.region);
        if (
          hint?.startsWith('Access denied') ||
          (hint && !/^Cannot reach|^The AWS endpoint/.test(hint)) ||
          (!hint && !/Unavailable|InternalServer|Throttling/.test(errorName(err)))
        ) {
          out.push(failed(err, base, 'route53-recovery-cluster:GetRoutingControlState'));
          done = true;
          break;
        }
        failures.push(`${endpoint.region}: ${hint ?? errorName(err)}`);
      }
    }
    if (!done)
      out.push({
        ...base,
        status: 'error',
        detail: `no cluster endpoint answered (${failures.join('; ')})`,
        fix: 'check traffic.clusterEndpoints against the cluster (aws route53-recovery-control-config describe-cluster)',
      });
  }
  out.push({
    name: 'ARC control panel and safety rules',
    region: 'global',
    status: 'not-checked',
    detail: '@aws-sdk/client-route53-recovery-control-config is not installed: the routing controls were read through the cluster data plane only',
    fix: 'aws route53-recovery-control-config list-safety-rules --control-panel-arn ARN',
  });
  return out;
}

async function dataStoreChecks(clients: DoctorClients, config: DrConfig, only: readonly string[]): Promise<DoctorCheck[]> {
  const regions = [config.regions.primary.name, config.regions.standby.name];
  const out: DoctorCheck[] = [];
  for (const store of config.dataStores) {
    if (store.kind === 'dynamodb-global-table') {
      for (const region of only) {
        const base = { name: `DynamoDB table ${store.tableName}`, region };
        const peer = regions.find((r) => r !== region)!;
        try {
          const res = await clients.dynamodb(region).send(new DescribeTableCommand({ TableName: store.tableName }));
          const replicas = (res.Table?.Replicas ?? []).map((r) => r.RegionName);
          out.push(
            replicas.includes(peer)
              ? { ...base, status: 'ok', detail: `${res.Table?.TableStatus ?? ''}, replica in ${peer}`.trim(), fix: '' }
              : {
                  ...base,
                  status: 'missing',
                  detail: `no replica in ${peer}${replicas.length ? ` (replicas: ${replicas.join(', ')})` : ''}`,
                  fix: `aws dynamodb update-table --table-name ${store.tableName} --replica-updates 'Create={RegionName=${peer}}' --region ${region}`,
                },
          );
        } catch (err) {
          out.push(
            errorName(err) === 'ResourceNotFoundException'
              ? {
                  ...base,
                  status: 'missing',
                  detail: 'no such table',
                  fix: 'create it as a global table with replicas in both regions, or fix dataStores[].tableName',
                }
              : failed(err, base, 'dynamodb:DescribeTable'),
          );
        }
      }
    } else if (store.kind === 'aurora-global') {
      const region = only.includes(config.regions.primary.name) ? config.regions.primary.name : only[0];
      const base = { name: `Aurora global cluster ${store.globalClusterIdentifier}`, region };
      try {
        const res = await clients.rds(region).send(new DescribeGlobalClustersCommand({ GlobalClusterIdentifier: store.globalClusterIdentifier }));
        const members = (res.GlobalClusters?.[0]?.GlobalClusterMembers ?? []).map((m) => m.DBClusterArn);
        const absent = regions.filter((r) => !members.includes(store.clusterArns[r]));
        out.push(
          absent.length === 0
            ? { ...base, status: 'ok', detail: `members in ${regions.join(', ')}`, fix: '' }
            : {
                ...base,
                status: 'missing',
                detail: `no member cluster ${absent.map((r) => store.clusterArns[r]).join(', ')}`,
                fix: 'add the regional cluster to the global cluster, or fix dataStores[].clusterArns',
              },
        );
      } catch (err) {
        out.push(
          errorName(err) === 'GlobalClusterNotFoundFault'
            ? { ...base, status: 'missing', detail: 'no such global cluster', fix: 'fix dataStores[].globalClusterIdentifier, or create the global cluster' }
            : failed(err, base, 'rds:DescribeGlobalClusters'),
        );
      }
    } else {
      for (const region of only) {
        const bucket = store.buckets[region];
        const base = { name: `S3 bucket ${bucket}`, region };
        try {
          await clients.s3(region).send(new HeadBucketCommand({ Bucket: bucket }));
          out.push({ ...base, status: 'ok', detail: 'exists (replication rules not checked)', fix: '' });
        } catch (err) {
          out.push(
            errorName(err) === 'NotFound' || errorName(err) === 'NoSuchBucket'
              ? { ...base, status: 'missing', detail: 'no such bucket', fix: 'create it with replication to the other region, or fix dataStores[].buckets' }
              : failed(err, base, 's3:ListBucket'),
          );
        }
      }
    }
  }
  return out;
}

export interface DoctorOptions {
  /** Read only this region's checks (one of the config's two); the global ones (traffic) still run. @default both */
  readonly region?: string;
}

/**
 * Every check, in a fixed order: per region (stack, state machines, site state, alarms, topics), the rule over
 * both switches, then traffic, then data stores. Throws a CliError (exit 2) for credentials or an unreachable
 * endpoint: then no row could be trusted.
 */
export async function runDoctor(clients: DoctorClients, config: DrConfig, opts: DoctorOptions = {}): Promise<DoctorCheck[]> {
  const both = [config.regions.primary.name, config.regions.standby.name];
  const regions = both.filter((r) => opts.region === undefined || r === opts.region);
  if (regions.length === 0) throw new CliError(`--region ${opts.region} is not one of the configured regions (${both.join(', ')})`);
  const alarms = expectedAlarms(config);
  const out: DoctorCheck[] = [];
  const siteValues = new Map<string, string | undefined>();
  for (const region of regions) {
    const stack = await stackCheck(clients, config, region);
    out.push(stack.check);
    out.push(...(await stateMachineChecks(clients, config, region)));
    const site = await siteStateCheck(clients, config, region);
    out.push(site.check);
    siteValues.set(region, site.check.status === 'error' ? undefined : (site.value ?? 'none'));
    out.push(
      ...(
        await alarmChecks(
          clients,
          region,
          alarms.filter((a) => a.region === region),
        )
      ).checks,
    );
    out.push(...(await topicChecks(clients, region, stack.outputs)));
  }
  if (regions.length === both.length) {
    out.push(siteStateRule(config, siteValues));
    // The Route 53 health-check alarms live in us-east-1 even when it is not a control-plane region.
    for (const region of [...new Set(alarms.map((a) => a.region))].filter((r) => !both.includes(r))) {
      out.push(
        ...(
          await alarmChecks(
            clients,
            region,
            alarms.filter((a) => a.region === region),
          )
        ).checks,
      );
    }
  }
  if (config.traffic.strategy === 'arc-routing-control') out.push(...(await routingControlChecks(clients, config)));
  else out.push(...(await weightedRecordChecks(clients, config, config.traffic.hostedZoneId)));
  out.push(...(await dataStoreChecks(clients, config, regions)));
  return out;
}

/** 0 when nothing is missing or unreadable; 1 otherwise. "not-checked" rows are said, not counted. */
export const doctorExitCode = (checks: readonly DoctorCheck[]): 0 | 1 => (checks.some((c) => c.status === 'missing' || c.status === 'error') ? 1 : 0);

export function formatDoctor(checks: readonly DoctorCheck[]): string {
  const w = (k: 'status' | 'region' | 'name') => Math.max(k.length, ...checks.map((c) => c[k].length));
  const [ws, wr, wn] = [w('status'), w('region'), w('name')];
  const row = (s: string, r: string, n: string, d: string) => `${s.padEnd(ws)}  ${r.padEnd(wr)}  ${n.padEnd(wn)}  ${d}`.trimEnd();
  const lines = [row('STATUS', 'REGION', 'CHECK', 'DETAIL / FIX')];
  for (const c of checks) {
    lines.push(row(c.status, c.region, c.name, c.detail));
    if (c.status !== 'ok' && c.fix) lines.push(row('', '', '', `fix: ${c.fix}`));
  }
  const count = (s: CheckStatus) => checks.filter((c) => c.status === s).length;
  lines.push('', `${count('ok')} ok, ${count('missing')} missing, ${count('error')} could not be checked, ${count('not-checked')} not checked by this drctl`);
  return lines.join('\n');
}
