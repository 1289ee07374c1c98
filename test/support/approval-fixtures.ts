import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { DrConfig, DrConfigInput } from '../../config/schema';
import type { ApprovalCallbackDeps } from '../../functions/approval-callback/approval-callback';
import type { ApprovalRequestDeps } from '../../functions/approval-request/approval-request';
import type {
  ApprovalRecord,
  ApprovalStatus,
  ApprovalStore,
  ApprovalTaskReader,
  ApprovalTaskState,
  AuditEntry,
  AuditLog,
  Notifier,
  TaskCallbacks,
  Topic,
} from '../../functions/shared/ports';
import { InMemoryApproverChallenges } from '../../local/approver-state';
import { APPROVER, configWith } from './repo-config';
import { FakeClock, T0 } from './virtual-time';

export { APPROVER };

/** Plain fakes for the approval use cases: they record what was asked of them and nothing more. */

export const KEY = Buffer.from('unit-test-signing-key-of-32-bytes!!');
export const OTHER_KEY = Buffer.from('another-signing-key-nobody-issued!!');
/** Shaped like a real one (long, base64 with + and /) so a leak is easy to grep for. */
export const TASK_TOKEN = 'AAAAKgAAAAIAAAAAAAAAAVeryS3cretTaskToken+/WithBase64Chars==';
export const BASE_URL = 'https://abc123.execute-api.us-west-2.amazonaws.com/prod/';
export const EXECUTION_ARN = 'arn:aws:states:us-west-2:111122223333:execution:failover:inc42';
export const APPROVER_ROLE = 'orders-dr-approver-us-west-2';
export const ACCOUNT = '111122223333';
export const APPROVER_SESSION = 'arn:aws:sts::111122223333:assumed-role/orders-dr-approver-us-west-2/alice';

/** The one config builder (test/support/repo-config.ts) with a second approver, whose address is in mixed case. */
export function testConfig(overrides: Partial<DrConfigInput['approval']> = {}): DrConfig {
  return configWith({ traffic: 'route53-weighted', stores: ['dynamodb'], approval: { approvers: [APPROVER, 'Second.Approver@Example.com'], ...overrides } });
}

export class FakeApprovalStore implements ApprovalStore {
  readonly records = new Map<string, ApprovalRecord>();
  readonly writes: string[] = [];
  /** Lets a test hold a decide() open to interleave two requests. */
  beforeDecide?: () => Promise<void>;
  failGet?: Error;

  async put(record: ApprovalRecord): Promise<void> {
    if (this.records.has(record.approvalId)) throw new Error('duplicate approval id');
    this.writes.push(`put:${record.approvalId}`);
    this.records.set(record.approvalId, record);
  }
  async get(approvalId: string): Promise<ApprovalRecord | undefined> {
    if (this.failGet) throw this.failGet;
    return this.records.get(approvalId);
  }
  async decide(approvalId: string, d: { status: Exclude<ApprovalStatus, 'PENDING'>; by: string; at: number; reason?: string }): Promise<boolean> {
    await this.beforeDecide?.();
    const r = this.records.get(approvalId);
    this.writes.push(`decide:${d.status}`);
    if (r?.status !== 'PENDING') return false;
    this.records.set(approvalId, { ...r, status: d.status, decidedBy: d.by, decidedAt: d.at, reason: d.reason });
    return true;
  }
  async revertDecision(approvalId: string, v: { decidedAt: number; to: 'PENDING' | 'EXPIRED'; note?: string }): Promise<boolean> {
    const r = this.records.get(approvalId);
    this.writes.push(`revert:${v.to}`);
    if (!r || (r.status !== 'APPROVED' && r.status !== 'REJECTED') || r.decidedAt !== v.decidedAt) return false;
    this.records.set(
      approvalId,
      v.to === 'PENDING'
        ? { ...r, status: 'PENDING', decidedBy: undefined, decidedAt: undefined, reason: undefined }
        : { ...r, status: 'EXPIRED', reason: v.note },
    );
    return true;
  }
}

export class FakeCallbacks implements TaskCallbacks {
  readonly calls: Array<{ kind: 'success' | 'failure'; token: string; output?: unknown; error?: string; cause?: string }> = [];
  fail?: Error;
  async sendSuccess(token: string, output: unknown): Promise<void> {
    if (this.fail) throw this.fail;
    this.calls.push({ kind: 'success', token, output });
  }
  async sendFailure(token: string, error: string, cause: string): Promise<void> {
    if (this.fail) throw this.fail;
    this.calls.push({ kind: 'failure', token, error, cause });
  }
}

/** What a test says Step Functions' history shows; `fail` makes the read itself fail. */
export class FakeTaskReader implements ApprovalTaskReader {
  state: ApprovalTaskState = { task: 'waiting', executionStatus: 'RUNNING' };
  fail?: Error;
  readonly reads: string[] = [];
  async read(executionId: string): Promise<ApprovalTaskState> {
    this.reads.push(executionId);
    if (this.fail) throw this.fail;
    return this.state;
  }
}

export class FakeNotifier implements Notifier {
  readonly sent: Array<{ topic: Topic; subject: string; body: string; attributes?: Record<string, string> }> = [];
  fail?: Error;
  async publish(message: { topic: Topic; subject: string; body: string; attributes?: Record<string, string> }): Promise<void> {
    if (this.fail) throw this.fail;
    this.sent.push(message);
  }
}

export class FakeAudit implements AuditLog {
  readonly entries: AuditEntry[] = [];
  async record(entry: AuditEntry): Promise<void> {
    this.entries.push(entry);
  }
}

export function requestDeps(overrides: Partial<ApprovalRequestDeps> = {}) {
  const deps = {
    config: testConfig(),
    approvals: new FakeApprovalStore(),
    challenges: new InMemoryApproverChallenges(),
    notifier: new FakeNotifier(),
    audit: new FakeAudit(),
    clock: new FakeClock(),
    approvalBaseUrl: BASE_URL,
    signingKey: async () => KEY,
    ...overrides,
  };
  return deps as typeof deps & {
    approvals: FakeApprovalStore;
    challenges: InMemoryApproverChallenges;
    notifier: FakeNotifier;
    audit: FakeAudit;
    clock: FakeClock;
  };
}

/** Callback deps sharing the request side's store and challenges (the same table in AWS). */
export function callbackDeps(approvals: FakeApprovalStore, clock: FakeClock, overrides: Partial<ApprovalCallbackDeps> = {}) {
  return {
    config: testConfig(),
    approvals,
    callbacks: new FakeCallbacks(),
    audit: new FakeAudit(),
    clock,
    signingKey: async () => KEY,
    challenges: new InMemoryApproverChallenges(),
    notifier: new FakeNotifier(),
    tasks: new FakeTaskReader(),
    approverRoleNames: [APPROVER_ROLE],
    ...overrides,
  } as ApprovalCallbackDeps & {
    callbacks: FakeCallbacks;
    audit: FakeAudit;
    challenges: InMemoryApproverChallenges;
    notifier: FakeNotifier;
    tasks: FakeTaskReader;
  };
}

/** The code the last `approver-code` message carries for `address` (what that approver reads in their mailbox). */
export function mailedCode(notifier: FakeNotifier, address: string): { code: string; challengeId: string } | undefined {
  const m = notifier.sent.findLast((x) => x.topic === 'approver-code' && x.attributes?.recipient === address.trim().toLowerCase());
  const code = m ? /code: (\d{4} \d{4})/.exec(m.body)?.[1] : undefined;
  return m && code ? { code, challengeId: m.attributes?.challengeId ?? '' } : undefined;
}

/** The challenge id the code page's decision form carries. */
export const challengeOf = (page: string) => /name="challenge" value="([^"]+)"/.exec(page)?.[1];

/** The payload RequestApproval sends: the token and the whole state after AssessDataRisk. */
export function approvalEvent(
  overrides: {
    dryRun?: boolean;
    estimatedRpoMs?: number | null;
    rpoWithinTarget?: boolean;
    timeoutSeconds?: unknown;
    taskToken?: unknown;
    execution?: unknown;
    trigger?: Record<string, unknown>;
  } = {},
) {
  return {
    taskToken: 'taskToken' in overrides ? overrides.taskToken : TASK_TOKEN,
    state: {
      incidentId: 'orders-us-east-1-inc42',
      direction: 'failover',
      fromRegion: 'us-east-1',
      toRegion: 'us-west-2',
      trigger: overrides.trigger ?? { source: 'alarm', at: new Date(T0 - 60_000).toISOString() },
      dryRun: overrides.dryRun ?? false,
      execution: 'execution' in overrides ? overrides.execution : { id: EXECUTION_ARN, name: 'inc42', startedAt: new Date(T0 - 50_000).toISOString() },
      health: {
        verdict: 'FAILOVER_WARRANTED',
        summary: 'us-east-1 impaired (2 independent signals of 2 needed); us-west-2 healthy.',
        evidence: [
          `FAIL canary:us-west-2->us-east-1: alarm orders-dr-canary in ALARM since ${new Date(T0 - 120_000).toISOString()}: timeout`,
          'OK   canary:us-west-2->us-west-2: HTTP 200',
        ],
        checkedAt: new Date(T0 - 55_000).toISOString(),
      },
      dataRisk: {
        estimatedRpoMs: 'estimatedRpoMs' in overrides ? overrides.estimatedRpoMs : 1_200,
        rpoTargetMs: 5_000,
        rpoWithinTarget: overrides.rpoWithinTarget ?? true,
        lagByStore: { orders: 'estimatedRpoMs' in overrides ? overrides.estimatedRpoMs : 1_200, customers: 300 },
        approval: {
          required: true,
          mode: 'required',
          timeoutSeconds: 'timeoutSeconds' in overrides ? overrides.timeoutSeconds : 600,
          onTimeout: 'abort',
          reason: 'required',
        },
      },
    },
  };
}

/** A REST API proxy event as API Gateway sends it for `/prod/approvals/{approvalId}`. */
export function apiGatewayEvent(
  method: string,
  path: string,
  query: Record<string, string> | null,
  body: string | null = null,
  isBase64Encoded = false,
): APIGatewayProxyEvent {
  return {
    httpMethod: method,
    path,
    resource: '/approvals/{approvalId}',
    pathParameters: { approvalId: path.split('/')[2] ?? '' },
    queryStringParameters: query,
    multiValueQueryStringParameters: query ? Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]])) : null,
    headers: { Host: 'abc123.execute-api.us-west-2.amazonaws.com', 'Content-Type': 'application/x-www-form-urlencoded', 'User-Agent': 'Mozilla/5.0' },
    multiValueHeaders: {},
    body,
    isBase64Encoded,
    stageVariables: null,
    requestContext: {
      accountId: '111122223333',
      apiId: 'abc123',
      stage: 'prod',
      httpMethod: method,
      path: `/prod${path}`,
      requestId: 'req-1',
      resourceId: 'res1',
      resourcePath: '/approvals/{approvalId}',
      protocol: 'HTTP/1.1',
      requestTimeEpoch: T0,
      identity: { sourceIp: '203.0.113.9', userAgent: 'Mozilla/5.0' },
      authorizer: null,
    } as unknown as APIGatewayProxyEvent['requestContext'],
  };
}

/** Splits an emailed link into what the approval endpoint receives. */
export function linkParts(url: string): { path: string; query: Record<string, string> } {
  const u = new URL(url);
  return { path: u.pathname.replace(/^\/prod/, ''), query: Object.fromEntries(u.searchParams) };
}

export function form(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

/** Everything written to stdout and stderr while `run` runs (Powertools writes JSON lines there). */
export async function captureOutput(run: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    await run();
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return lines;
}
