import { join, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { paginateListTables } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  DescribeStateMachineForExecutionCommand,
  paginateGetExecutionHistory,
  type HistoryEvent as SfnHistoryEvent,
} from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, paginateQuery } from '@aws-sdk/lib-dynamodb';
import { controlPlaneStackName } from '../../config/resource-names';
import type { DrConfig } from '../../config/schema';
import type { LayoutMachine } from '../../local/report/graph-layout';
import type { AwsClients } from './clients';
import { awsSetupHint, CliError, explainAwsError, firstLine } from './errors';
import type { AuditItem, AwsExecutionInput } from './execution-record';
import { executionArnFor, stateMachineName, tryFindStateMachineArn, type Workflow } from './state-machine';

const EXECUTION_ARN = /^arn:aws[a-z-]*:states:([a-z0-9-]+):\d{12}:execution:([^:]+):([^:]+)$/;
const DEFINITIONS = resolve(__dirname, '..', '..', 'state-machines');

export interface ReadExecutionOptions {
  /** Only look in this region. */
  readonly region?: string;
  /** The audit table's name, when it cannot be found by the stack's naming (`<app>-dr-<region>-AuditTable...`). */
  readonly auditTable?: string;
}

type Found = { region: string; executionArn: string; describe: DescribeExecutionCommandOutput };

async function describe(clients: AwsClients, region: string, executionArn: string): Promise<DescribeExecutionCommandOutput | undefined> {
  try {
    return await clients.sfn(region).send(new DescribeExecutionCommand({ executionArn }));
  } catch (err) {
    if ((err as Error)?.name === 'ExecutionDoesNotExist') return undefined;
    return explainAwsError(err, region);
  }
}

/** The execution in Step Functions, if it still has it: an ARN directly, a name in both regions' workflows. */
async function findExecution(
  clients: AwsClients,
  config: DrConfig,
  name: string,
  arn: string | undefined,
  regions: readonly string[],
): Promise<Found | undefined> {
  if (arn) {
    const region = EXECUTION_ARN.exec(arn)![1];
    const d = await describe(clients, region, arn);
    return d ? { region, executionArn: arn, describe: d } : undefined;
  }
  for (const region of regions) {
    for (const workflow of ['failover', 'failback'] as const) {
      const sm = await tryFindStateMachineArn(clients.sfn(region), config.application, workflow, region);
      if (!sm) continue;
      const executionArn = executionArnFor(sm, name);
      const d = await describe(clients, region, executionArn);
      if (d) return { region, executionArn, describe: d };
    }
  }
  return undefined;
}

/** Every event, page by page (a long execution has thousands). */
async function fullHistory(clients: AwsClients, region: string, executionArn: string): Promise<SfnHistoryEvent[]> {
  const events: SfnHistoryEvent[] = [];
  try {
    for await (const page of paginateGetExecutionHistory({ client: clients.sfn(region), pageSize: 1000 }, { executionArn, maxResults: 1000 }))
      events.push(...(page.events ?? []));
  } catch (err) {
    if ((err as Error)?.name === 'ExecutionDoesNotExist') throw new CliError(`Execution ${executionArn} disappeared while its history was read`);
    explainAwsError(err, region);
  }
  return events;
}

/**
 * The definition this execution ran (a redrive runs the same one), as deployed, placeholders resolved. Any
 * failure here only costs the graph its exactness: the local definition stands in, and the report says so.
 */
async function deployedDefinition(clients: AwsClients, region: string, executionArn: string): Promise<LayoutMachine | undefined> {
  try {
    const out = await clients.sfn(region).send(new DescribeStateMachineForExecutionCommand({ executionArn }));
    return out.definition ? (JSON.parse(out.definition) as LayoutMachine) : undefined;
  } catch {
    return undefined;
  }
}

const localDefinition = (workflow: Workflow): LayoutMachine => JSON.parse(readFileSync(join(DEFINITIONS, `${workflow}.asl.json`), 'utf8')) as LayoutMachine;

/** CloudFormation names a table it names itself `<stack name>-<logical id>-<suffix>`; the audit table's logical id is AuditTable. */
const auditTableNamePrefix = (config: DrConfig, region: string): string => `${controlPlaneStackName(config.application, region)}-AuditTable`;

/** The audit table of a region: named by the operator, else found by the name CloudFormation gives it in the region's stack. */
async function findAuditTable(clients: AwsClients, config: DrConfig, region: string, named?: string): Promise<string | undefined> {
  if (named) return named;
  const prefix = auditTableNamePrefix(config, region);
  const client = clients.dynamodb?.(region);
  if (!client) return undefined;
  for await (const page of paginateListTables({ client }, {})) {
    const hit = page.TableNames?.find((t) => t.startsWith(prefix));
    if (hit) return hit;
  }
  return undefined;
}

/** The incident's audit entries in one region, oldest first, or why there are none. */
async function readAudit(
  clients: AwsClients,
  config: DrConfig,
  region: string,
  incidentId: string,
  named?: string,
): Promise<{ items: AuditItem[]; source: string; readable: boolean }> {
  const client = clients.dynamodb?.(region);
  if (!client) return { items: [], source: 'no DynamoDB client', readable: false };
  try {
    const table = await findAuditTable(clients, config, region, named);
    if (!table) {
      return {
        items: [],
        source: `no audit table named ${auditTableNamePrefix(config, region)}... in ${region} (pass --audit-table NAME: the stack output AuditTableName)`,
        readable: false,
      };
    }
    const doc = DynamoDBDocumentClient.from(client);
    const items: AuditItem[] = [];
    for await (const page of paginateQuery(
      { client: doc },
      { TableName: table, KeyConditionExpression: 'incidentId = :id', ExpressionAttributeValues: { ':id': incidentId } },
    )) {
      items.push(...((page.Items ?? []) as AuditItem[]));
    }
    return { items, source: `${items.length === 0 ? 'no entries for this incident in' : 'read from'} ${table} (${region})`, readable: true };
  } catch (err) {
    const hint = awsSetupHint(err, region);
    // Credentials that do not work at all stop the command; a table we may not read only leaves a gap in the report.
    if (hint && !hint.startsWith('Access denied') && !hint.startsWith('Cannot reach') && !hint.startsWith('The AWS endpoint')) throw new CliError(hint);
    return { items: [], source: `the audit table in ${region} could not be read (${hint ?? firstLine((err as Error)?.message)})`, readable: false };
  }
}

/**
 * Everything AWS still knows about one execution: Step Functions' description, full history and definition
 * (kept 90 days), and the audit table's entries for its incident (kept as long as the table). An execution
 * Step Functions has forgotten is reported from the audit table alone; neither knowing it is exit 2.
 */
export async function readExecution(
  clients: AwsClients,
  config: DrConfig,
  execution: string,
  opts: ReadExecutionOptions = {},
): Promise<Omit<AwsExecutionInput, 'projection'>> {
  const arn = EXECUTION_ARN.exec(execution);
  if (!arn && execution.startsWith('arn:'))
    throw new CliError(`${execution} is not an execution ARN (arn:aws:states:<region>:<account>:execution:<state machine>:<name>)`);
  if (!arn && !/^[A-Za-z0-9_-]{1,80}$/.test(execution))
    throw new CliError(`"${execution}" is neither an execution ARN nor an execution name (1-80 letters, digits, _ or -)`);
  if (arn && opts.region && arn[1] !== opts.region) throw new CliError(`--region ${opts.region} contradicts the execution ARN, which is in ${arn[1]}`);
  const name = arn ? arn[3] : execution;
  const regions = opts.region ? [opts.region] : arn ? [arn[1]] : [config.regions.standby.name, config.regions.primary.name];
  const found = await findExecution(clients, config, name, arn ? execution : undefined, regions);
  if (found) {
    const [history, definition, audit] = await Promise.all([
      fullHistory(clients, found.region, found.executionArn),
      deployedDefinition(clients, found.region, found.executionArn),
      readAudit(clients, config, found.region, name, opts.auditTable),
    ]);
    const workflow: Workflow = found.describe.stateMachineArn?.endsWith(`:${stateMachineName(config.application, 'failback')}`) ? 'failback' : 'failover';
    const d = found.describe;
    return {
      region: found.region,
      name,
      executionArn: found.executionArn,
      describe: {
        status: d.status,
        startDate: d.startDate,
        stopDate: d.stopDate,
        error: d.error,
        cause: d.cause,
        output: d.output,
        redriveCount: d.redriveCount,
        redriveDate: d.redriveDate,
        stateMachineArn: d.stateMachineArn,
      },
      history,
      definition: definition ?? localDefinition(workflow),
      ...(definition
        ? {}
        : {
            definitionSource: `The deployed definition could not be read (DescribeStateMachineForExecution); the graph shows the local state-machines/${workflow}.asl.json.`,
          }),
      audit: audit.items,
      auditSource: audit.source,
      auditReadable: audit.readable,
    };
  }
  // Step Functions no longer knows it (over 90 days), or never did: the audit table is all there is.
  const reads = [];
  for (const region of regions) reads.push({ region, ...(await readAudit(clients, config, region, name, opts.auditTable)) });
  const hit = reads.find((r) => r.items.length > 0);
  if (!hit) {
    throw new CliError(
      `No execution named ${name} in ${regions.join(' or ')} (Step Functions keeps executions 90 days), and no audit entries for it: ${reads.map((r) => r.source).join('; ')}`,
    );
  }
  const workflow: Workflow = hit.items.some((i) => i.step === 'ResyncCheck') ? 'failback' : 'failover';
  const executionArn = hit.items.find((i) => i.executionId?.startsWith('arn:'))?.executionId ?? (arn ? execution : undefined);
  return {
    region: hit.region,
    name,
    ...(executionArn ? { executionArn } : {}),
    definition: localDefinition(workflow),
    definitionSource: `The deployed definition went with the execution; the graph shows the local state-machines/${workflow}.asl.json, which may differ from what ran then.`,
    audit: hit.items,
    auditSource: hit.source,
    auditReadable: true,
  };
}
