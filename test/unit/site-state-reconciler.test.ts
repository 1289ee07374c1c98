import { parseConfig } from '../../config/load';
import { createHandler } from '../../functions/site-state-reconciler/handler';
import {
  OwnSiteStateUnreadableError,
  reconcileSiteState,
  SelfFenceFailedError,
  SelfFenceNotReportedError,
  type SiteStateReconcilerDeps,
} from '../../functions/site-state-reconciler/site-state-reconciler';
import { ConfigurationError, InvalidInputError, StepFailedError, TransientError } from '../../functions/shared/errors';
import { createLogger } from '../../functions/shared/middleware';
import type { AuditEntry, SiteStateRecord, SiteStateValue, Topic } from '../../functions/shared/ports';
import { fakeLambdaContext } from '../../local/world/approval-server';
import { config, configInput, fixedClock } from './aws/fixtures';

// The fixture config: primary us-east-1, standby us-west-2, Route 53 weighted traffic.
const PRIMARY = 'us-east-1';
const STANDBY = 'us-west-2';
const NOW = '2025-01-02T03:04:05.000Z';
const BEFORE_FAILOVER = Date.parse('2025-01-01T08:00:00.000Z');
const AT_FAILOVER = Date.parse('2025-01-02T02:50:00.000Z');

type Stored = SiteStateRecord | Error;

/** Both regions' switches, as SSM would hold them; a stored Error is what reading that region throws. */
function world(
  records: Record<string, Stored>,
  opts: { region?: string; setFails?: Error; publishFails?: Error; auditFails?: Error; cfg?: typeof config } = {},
) {
  const state = { ...records };
  const sets: Array<{ region: string; value: SiteStateValue }> = [];
  const reads: string[] = [];
  const alerts: Array<{ topic: Topic; subject: string; body: string; attributes?: Record<string, string> }> = [];
  const audit: AuditEntry[] = [];
  const clock = fixedClock(NOW);
  const read = (region: string): SiteStateRecord => {
    reads.push(region);
    const r = state[region];
    if (r === undefined) throw new Error(`no such region ${region}`);
    if (r instanceof Error) throw r;
    return r;
  };
  const deps: SiteStateReconcilerDeps = {
    config: opts.cfg ?? config,
    region: opts.region ?? PRIMARY,
    siteState: {
      get: async (region) => read(region).value,
      describe: async (region) => read(region),
      set: async (region, value) => {
        if (opts.setFails) throw opts.setFails;
        sets.push({ region, value });
        state[region] = { value, changedAt: clock.now() };
      },
    },
    notifier: {
      publish: async (m) => {
        if (opts.publishFails) throw opts.publishFails;
        alerts.push(m);
      },
    },
    audit: {
      record: async (e) => {
        if (opts.auditFails) throw opts.auditFails;
        audit.push(e);
      },
    },
    clock,
  };
  return { deps, state, sets, reads, alerts, audit };
}

const active = (changedAt: number): SiteStateRecord => ({ value: 'ACTIVE', changedAt });
const passive = (changedAt: number): SiteStateRecord => ({ value: 'PASSIVE', changedAt });
const peerOf = (r: string) => (r === PRIMARY ? STANDBY : PRIMARY);

describe.each([PRIMARY, STANDBY])('reconcileSiteState, the copy in %s', (region) => {
  const peer = peerOf(region);

  it('this region holds the older ACTIVE: sets only its own switch PASSIVE, alerts with both regions and times, audits', async () => {
    const w = world({ [region]: active(BEFORE_FAILOVER), [peer]: active(AT_FAILOVER) }, { region });

    const result = await reconcileSiteState(w.deps);

    expect(result).toMatchObject({ action: 'fenced-self', region, peer, own: active(BEFORE_FAILOVER), peerRecord: active(AT_FAILOVER) });
    expect(w.sets).toEqual([{ region, value: 'PASSIVE' }]);
    expect(w.alerts).toHaveLength(1);
    const [alert] = w.alerts;
    expect(alert.topic).toBe('alert');
    expect(alert.subject).toBe(`DR orders: ${region} fenced itself (split brain after a failover)`);
    for (const text of [
      region,
      peer,
      new Date(BEFORE_FAILOVER).toISOString(),
      new Date(AT_FAILOVER).toISOString(),
      'What to check',
      `drctl failback --to ${region}`,
    ]) {
      expect(alert.body).toContain(text);
    }
    expect(alert.attributes).toEqual({ severity: 'CRITICAL', application: 'orders', region });
    expect(w.audit).toEqual([
      {
        incidentId: `site-state-reconciler-${region}`,
        executionId: '',
        step: 'SiteStateReconciler',
        outcome: 'FENCED_SELF',
        detail: expect.objectContaining({ region, peer, own: active(BEFORE_FAILOVER), peerRecord: active(AT_FAILOVER) }),
        at: NOW,
      },
    ]);
  });

  it('is idempotent: the run after a self-fence finds one writer and changes or reports nothing more', async () => {
    const w = world({ [region]: active(BEFORE_FAILOVER), [peer]: active(AT_FAILOVER) }, { region });
    await reconcileSiteState(w.deps);
    const again = await reconcileSiteState(w.deps);
    expect(again).toMatchObject({
      action: 'consistent',
      own: { value: 'PASSIVE' },
      peerRecord: active(AT_FAILOVER),
      detail: expect.stringContaining(`one writer (${peer})`),
    });
    expect(w.sets).toHaveLength(1);
    expect(w.alerts).toHaveLength(1);
    expect(w.audit).toHaveLength(1);
  });

  it('this region holds the newer ACTIVE: changes nothing, the peer fences itself', async () => {
    const w = world({ [region]: active(AT_FAILOVER), [peer]: active(BEFORE_FAILOVER) }, { region });
    const result = await reconcileSiteState(w.deps);
    expect(result).toMatchObject({ action: 'peer-will-fence', own: active(AT_FAILOVER), peerRecord: active(BEFORE_FAILOVER) });
    expect(result.detail).toContain(`${region} is the newer ACTIVE`);
    expect(w.sets).toEqual([]);
    expect(w.alerts).toEqual([]);
    expect(w.audit).toEqual([]);
  });

  it.each([
    ['unreachable (transient)', new TransientError('SSM GetParameter failed (TimeoutError): connect ETIMEDOUT')],
    ['answering with an error', new StepFailedError('Site state parameter /dr/orders/site-state/x holds "maybe"')],
    ['denied', Object.assign(new Error('not authorized to perform ssm:GetParameter'), { name: 'AccessDeniedException' })],
  ])('the peer is %s: nothing changes, whatever this region holds, and nothing throws', async (_, err) => {
    for (const own of [active(BEFORE_FAILOVER), passive(BEFORE_FAILOVER)]) {
      const w = world({ [region]: own, [peer]: err }, { region });
      const result = await reconcileSiteState(w.deps);
      expect(result).toEqual({ action: 'peer-unreachable', region, peer, own, peerRecord: null, detail: expect.stringContaining(err.message) });
      expect(w.sets).toEqual([]);
      expect(w.alerts).toEqual([]);
      expect(w.audit).toEqual([]);
    }
  });

  it('the peer read throwing synchronously is still only "peer-unreachable"', async () => {
    const w = world({ [region]: active(BEFORE_FAILOVER), [peer]: active(AT_FAILOVER) }, { region });
    const describe = w.deps.siteState.describe;
    const deps = {
      ...w.deps,
      siteState: {
        ...w.deps.siteState,
        describe: (r: string) => {
          if (r === peer) throw new TypeError('adapter bug');
          return describe(r);
        },
      },
    };
    await expect(reconcileSiteState(deps)).resolves.toMatchObject({ action: 'peer-unreachable' });
    expect(w.sets).toEqual([]);
  });

  it('its own site state cannot be read: throws a typed error, changes and reports nothing', async () => {
    const cause = new TransientError('SSM GetParameter failed (ThrottlingException)');
    const w = world({ [region]: cause, [peer]: active(AT_FAILOVER) }, { region });
    const err = await reconcileSiteState(w.deps).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OwnSiteStateUnreadableError);
    expect((err as Error).name).toBe('OwnSiteStateUnreadableError');
    expect((err as Error).message).toContain(`Cannot read ${region}'s own site state`);
    expect((err as Error).cause).toBe(cause);
    expect(w.sets).toEqual([]);
    expect(w.alerts).toEqual([]);
    expect(w.audit).toEqual([]);
  });

  it('equal change times: changes nothing and asks an operator to decide', async () => {
    const w = world({ [region]: active(AT_FAILOVER), [peer]: active(AT_FAILOVER) }, { region });
    const result = await reconcileSiteState(w.deps);
    expect(result).toMatchObject({ action: 'tie', own: active(AT_FAILOVER), peerRecord: active(AT_FAILOVER) });
    expect(w.sets).toEqual([]);
    expect(w.alerts).toHaveLength(1);
    expect(w.alerts[0]).toMatchObject({ topic: 'alert', subject: expect.stringContaining('operator must decide') });
    expect(w.alerts[0].body).toContain(region);
    expect(w.alerts[0].body).toContain(peer);
    expect(w.alerts[0].body).toContain(new Date(AT_FAILOVER).toISOString());
    expect(w.audit).toEqual([]);
  });

  it.each([
    ['this region ACTIVE, the peer PASSIVE', active(BEFORE_FAILOVER), passive(AT_FAILOVER), 'one writer (REGION)'],
    ['this region PASSIVE, the peer ACTIVE', passive(AT_FAILOVER), active(BEFORE_FAILOVER), 'one writer (PEER)'],
    ['both PASSIVE', passive(BEFORE_FAILOVER), passive(AT_FAILOVER), 'never activates a region'],
  ])('%s: consistent, nothing changes', async (_, own, peerRecord, says) => {
    const w = world({ [region]: own, [peer]: peerRecord }, { region });
    const result = await reconcileSiteState(w.deps);
    expect(result).toMatchObject({ action: 'consistent', region, peer, own, peerRecord });
    expect(result.detail).toContain(says.replace('REGION', region).replace('PEER', peer));
    expect(w.sets).toEqual([]);
    expect(w.alerts).toEqual([]);
  });
});

describe('reconcileSiteState: what it refuses and how it fails', () => {
  it('active-active: skipped without reading or writing anything (both regions are ACTIVE by design)', async () => {
    const activeActive = parseConfig({ ...configInput, traffic: { strategy: 'active-active', hostedZoneId: 'Z0123456789ABCDEFGHIJ' } });
    const w = world({ [PRIMARY]: active(BEFORE_FAILOVER), [STANDBY]: active(AT_FAILOVER) }, { cfg: activeActive });
    await expect(reconcileSiteState(w.deps)).resolves.toEqual({
      action: 'skipped',
      region: PRIMARY,
      peer: STANDBY,
      own: null,
      peerRecord: null,
      detail: expect.stringContaining('active-active'),
    });
    expect(w.reads).toEqual([]);
    expect(w.sets).toEqual([]);
    expect(w.alerts).toEqual([]);
  });

  it('a copy in a region outside the config refuses to run', async () => {
    const w = world({ [PRIMARY]: active(BEFORE_FAILOVER), [STANDBY]: active(AT_FAILOVER) }, { region: 'eu-west-1' });
    await expect(reconcileSiteState(w.deps)).rejects.toThrow(ConfigurationError);
    expect(w.reads).toEqual([]);
  });

  it('the self-fence write fails: a typed error, no alert claiming a fence that did not happen', async () => {
    const cause = new TransientError('SSM PutParameter failed (InternalServerError)');
    const w = world({ [PRIMARY]: active(BEFORE_FAILOVER), [STANDBY]: active(AT_FAILOVER) }, { setFails: cause });
    const err = await reconcileSiteState(w.deps).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SelfFenceFailedError);
    expect((err as Error).cause).toBe(cause);
    expect(w.state[PRIMARY]).toEqual(active(BEFORE_FAILOVER));
    expect(w.alerts).toEqual([]);
    expect(w.audit).toEqual([]);
  });

  it('the alert fails after the self-fence: the fence stays, the audit record is still written, and the run fails loudly', async () => {
    const w = world(
      { [PRIMARY]: active(BEFORE_FAILOVER), [STANDBY]: active(AT_FAILOVER) },
      { publishFails: new TransientError('SNS Publish to alert failed') },
    );
    const err = await reconcileSiteState(w.deps).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SelfFenceNotReportedError);
    expect((err as Error).message).toContain('alert: TransientError: SNS Publish to alert failed');
    expect(w.state[PRIMARY]).toMatchObject({ value: 'PASSIVE' });
    expect(w.audit).toHaveLength(1);
  });

  it('the audit record fails after the self-fence: the alert still goes out, and the run fails loudly', async () => {
    const w = world({ [PRIMARY]: active(BEFORE_FAILOVER), [STANDBY]: active(AT_FAILOVER) }, { auditFails: new Error('DynamoDB PutItem audit failed') });
    await expect(reconcileSiteState(w.deps)).rejects.toThrow(/audit record: Error: DynamoDB PutItem audit failed/);
    expect(w.state[PRIMARY]).toMatchObject({ value: 'PASSIVE' });
    expect(w.alerts).toHaveLength(1);
  });
});

describe('createHandler (through the Middy chain)', () => {
  const scheduledEvent = {
    version: '0',
    id: 'b5b5a1f0-0000-4000-8000-000000000000',
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '111122223333',
    time: NOW.replace('.000Z', 'Z'),
    region: PRIMARY,
    resources: ['arn:aws:events:us-east-1:111122223333:rule/orders-dr-site-state-reconciler'],
    detail: {},
  };
  const ctx = fakeLambdaContext('site-state-reconciler');
  const quiet = createLogger('site-state-reconciler', 'SILENT');

  it('runs one reconciliation per scheduled event and returns its result', async () => {
    const w = world({ [PRIMARY]: active(BEFORE_FAILOVER), [STANDBY]: active(AT_FAILOVER) });
    const handler = createHandler({ ...w.deps, logger: quiet });
    await expect(handler(scheduledEvent, ctx)).resolves.toMatchObject({ action: 'fenced-self', region: PRIMARY, peer: STANDBY });
    await expect(handler(scheduledEvent, ctx)).resolves.toMatchObject({ action: 'consistent' });
    expect(w.sets).toEqual([{ region: PRIMARY, value: 'PASSIVE' }]);
  });

  it('logs every outcome, at warn level for a split brain', async () => {
    const w = world({ [PRIMARY]: active(AT_FAILOVER), [STANDBY]: active(BEFORE_FAILOVER) });
    const logger = createLogger('site-state-reconciler', 'SILENT');
    const warn = jest.spyOn(logger, 'warn');
    await createHandler({ ...w.deps, logger })(scheduledEvent, ctx);
    expect(warn).toHaveBeenCalledWith('site state reconciled', expect.objectContaining({ action: 'peer-will-fence', region: PRIMARY }));
  });

  it.each([
    ['null', null],
    ['a string', 'tick'],
    ['an array', [scheduledEvent]],
  ])('refuses %s with InvalidInputError before reading anything', async (_, event) => {
    const w = world({ [PRIMARY]: active(BEFORE_FAILOVER), [STANDBY]: active(AT_FAILOVER) });
    await expect(createHandler({ ...w.deps, logger: quiet })(event as never, ctx)).rejects.toBeInstanceOf(InvalidInputError);
    expect(w.reads).toEqual([]);
  });

  it('rethrows the typed error untouched when its own site state cannot be read', async () => {
    const w = world({ [PRIMARY]: new TransientError('SSM GetParameter failed'), [STANDBY]: active(AT_FAILOVER) });
    await expect(createHandler({ ...w.deps, logger: quiet })(scheduledEvent, ctx)).rejects.toBeInstanceOf(OwnSiteStateUnreadableError);
  });
});
