import fc from 'fast-check';
import { alarmSubject, handleAlarmEvent, incidentIdFor, lockKeyFor, type AlarmTriggerDeps } from '../../functions/alarm-trigger/alarm-trigger';
import { createHandler } from '../../functions/alarm-trigger/handler';
import { ConfigurationError, InvalidInputError } from '../../functions/shared/errors';
import { createLogger } from '../../functions/shared/middleware';
import type { AlarmStateValue, AuditEntry, FailoverStarter, Signal, SiteStateValue, Topic } from '../../functions/shared/ports';
import { InMemoryIncidentLock } from '../../local/detection/adapters';
import { fakeLambdaContext } from '../../local/world/approval-server';
import { config } from './aws/fixtures';

// The fixture config: primary us-east-1, standby us-west-2, quorum 2 of M-of-N 2/3, max event age 300 s, cooldown 1800 s.
const PRIMARY = 'us-east-1';
const STANDBY = 'us-west-2';
const PREFIX = 'orders-dr-';
const T0 = Date.parse('2025-03-04T05:06:07.000Z');

function signal(vantage: string, target: string, state: 'ok' | 'alarm' | 'no-data', source: Signal['source'] = 'canary'): Signal {
  const id = source === 'canary' ? `canary:${vantage}->${target}` : `route53:${target}`;
  return { id, source, vantage, target, healthy: state === 'ok', state, detail: state, observedAt: new Date(T0).toISOString() };
}

function alarmEvent(alarmName: string, opts: { state?: AlarmStateValue; region?: string; time?: number; id?: string } = {}) {
  return {
    version: '0',
    id: opts.id ?? `evt-${alarmName}`,
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: '111122223333',
    time: new Date(opts.time ?? T0).toISOString().replace('.000Z', 'Z'),
    region: opts.region ?? STANDBY,
    resources: [`arn:aws:cloudwatch:${opts.region ?? STANDBY}:111122223333:alarm:${alarmName}`],
    detail: {
      alarmName,
      state: { value: opts.state ?? 'ALARM', reason: 'Threshold Crossed: 2 out of the last 3 datapoints', timestamp: new Date(opts.time ?? T0).toISOString() },
      previousState: { value: 'OK' },
    },
  };
}

const PEER_ALARM = `${PREFIX}canary--${STANDBY}--${PRIMARY}`;

class RecordingStarter implements FailoverStarter {
  readonly calls: Array<{ name: string; input: Record<string, unknown> }> = [];
  readonly names = new Set<string>();
  async start(name: string, input: unknown) {
    this.calls.push({ name, input: input as Record<string, unknown> });
    const started = !this.names.has(name);
    this.names.add(name);
    return { executionId: `arn:aws:states:${STANDBY}:111122223333:execution:orders-dr-failover:${name}`, started };
  }
}

function setup(over: { signals?: Signal[]; region?: string; siteState?: SiteStateValue; now?: number } = {}) {
  let now = over.now ?? T0 + 5_000;
  let signals = over.signals ?? [signal(PRIMARY, PRIMARY, 'alarm'), signal(STANDBY, PRIMARY, 'alarm'), signal(STANDBY, STANDBY, 'ok')];
  const published: Array<{ topic: Topic; subject: string; body: string }> = [];
  const audit: AuditEntry[] = [];
  const mirrored: Array<[string, string, string]> = [];
  const reads: string[][] = [];
  const starter = new RecordingStarter();
  const lock = new InMemoryIncidentLock();
  const deps: AlarmTriggerDeps = {
    config,
    region: over.region ?? STANDBY,
    alarmNamePrefix: PREFIX,
    signals: {
      read: async (regions) => {
        reads.push([...regions]);
        return signals.filter((s) => regions.includes(s.target));
      },
      probeGlobal: async () => [],
    },
    lock,
    starter,
    notifier: { publish: async (m) => void published.push(m) },
    siteState: {
      get: async (r) => {
        if (r !== (over.region ?? STANDBY)) throw new Error(`read of another region's site state: ${r}`);
        return over.siteState ?? 'PASSIVE';
      },
      set: async () => {
        throw new Error('the trigger must never set a site state');
      },
    },
    audit: { record: async (e) => void audit.push(e) },
    clock: { now: () => now },
    mirror: { mirror: async (name, state, reason) => void mirrored.push([name, state, reason]) },
  };
  return {
    deps,
    starter,
    published,
    audit,
    mirrored,
    reads,
    setNow: (t: number) => (now = t),
    setSignals: (s: Signal[]) => (signals = s),
  };
}

describe('alarmSubject and names', () => {
  it('reads signal alarms and the quorum composite; anything else under the prefix is not detection', () => {
    expect(alarmSubject(PEER_ALARM, PREFIX)).toEqual({ kind: 'signal', source: 'canary', vantage: STANDBY, target: PRIMARY });
    expect(alarmSubject(`${PREFIX}route53-health-check--global--${PRIMARY}`, PREFIX)).toEqual({
      kind: 'signal',
      source: 'route53-health-check',
      vantage: 'global',
      target: PRIMARY,
    });
    expect(alarmSubject(`${PREFIX}impaired--${PRIMARY}`, PREFIX)).toEqual({ kind: 'composite', target: PRIMARY });
    for (const name of [`${PREFIX}detection-dead-letters`, `${PREFIX}latency--a--b`, `other-canary--${STANDBY}--${PRIMARY}`, `${PREFIX}canary--${STANDBY}`])
      expect(alarmSubject(name, PREFIX)).toBeUndefined();
  });

  it('incident ids are valid execution names of at most 64 characters, deterministic per time', () => {
    expect(incidentIdFor('orders', PRIMARY, T0)).toBe('orders-us-east-1-20250304T050607Z');
    const long = incidentIdFor('a'.repeat(31), 'ap-southeast-2', T0);
    expect(long.length).toBeLessThanOrEqual(64);
    expect(long).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(lockKeyFor('orders', PRIMARY)).toBe('failover#orders#us-east-1');
  });
});

describe('handleAlarmEvent', () => {
  it('starts one execution from the peer to its own region when a quorum of independent signals agrees', async () => {
    const t = setup();
    const result = await handleAlarmEvent(alarmEvent(PEER_ALARM), t.deps);

    expect(result).toMatchObject({ action: 'started', fromRegion: PRIMARY, independentFailures: 2, incidentId: incidentIdFor('orders', PRIMARY, T0 + 5_000) });
    expect(t.starter.calls).toHaveLength(1);
    const { name, input } = t.starter.calls[0];
    expect(name).toBe(result.incidentId);
    expect(input).toMatchObject({
      incidentId: name,
      direction: 'failover',
      fromRegion: PRIMARY,
      toRegion: STANDBY,
      dryRun: false,
      trigger: { source: 'alarm', alarms: [`canary:${PRIMARY}->${PRIMARY}`, `canary:${STANDBY}->${PRIMARY}`] },
    });
    // Signals are read again at decision time, not taken from the event.
    expect(t.reads).toEqual([[PRIMARY]]);
    expect(t.audit).toEqual([expect.objectContaining({ incidentId: name, step: 'AlarmTrigger', outcome: 'EXECUTION_STARTED' })]);
    expect(t.published).toEqual([]);
  });

  it('one signal alone: an alert to the alert topic, no failover', async () => {
    const t = setup({ signals: [signal(STANDBY, PRIMARY, 'alarm'), signal(PRIMARY, PRIMARY, 'ok')] });
    const result = await handleAlarmEvent(alarmEvent(PEER_ALARM), t.deps);
    expect(result).toMatchObject({ action: 'below-quorum', independentFailures: 1 });
    expect(t.starter.calls).toEqual([]);
    expect(t.published).toHaveLength(1);
    expect(t.published[0]).toMatchObject({ topic: 'alert', subject: expect.stringContaining('no failover (1 of 2 signals)') });
    expect(t.published[0].body).toContain(`canary:${STANDBY}->${PRIMARY}`);
  });

  it('an alarm that has cleared again by the time it is read: no failover and no alert', async () => {
    const t = setup({ signals: [signal(STANDBY, PRIMARY, 'ok'), signal(PRIMARY, PRIMARY, 'ok')] });
    expect(await handleAlarmEvent(alarmEvent(PEER_ALARM), t.deps)).toMatchObject({ action: 'below-quorum', independentFailures: 0 });
    expect(t.published).toEqual([]);
    expect(t.starter.calls).toEqual([]);
  });

  it('counts observers, not alarms: two failing signals from the same source and vantage are one', async () => {
    const twin = { ...signal(STANDBY, PRIMARY, 'alarm'), id: `canary:${STANDBY}->${PRIMARY}#2` };
    const t = setup({ signals: [signal(STANDBY, PRIMARY, 'alarm'), twin, signal(PRIMARY, PRIMARY, 'ok')] });
    expect(await handleAlarmEvent(alarmEvent(PEER_ALARM), t.deps)).toMatchObject({ action: 'below-quorum', independentFailures: 1 });
  });

  it("counts the silence of the peer's own canary, and a Route 53 signal, toward the quorum", async () => {
    const t = setup({
      signals: [signal(PRIMARY, PRIMARY, 'no-data'), signal(STANDBY, PRIMARY, 'ok'), signal('global', PRIMARY, 'alarm', 'route53-health-check')],
    });
    expect(await handleAlarmEvent(alarmEvent(`${PREFIX}canary--${PRIMARY}--${PRIMARY}`, { state: 'INSUFFICIENT_DATA' }), t.deps)).toMatchObject({
      action: 'started',
      independentFailures: 2,
    });
  });

  it('ignores a stale event (EventBridge retries for up to 24 h) without reading or starting anything', async () => {
    const t = setup({ now: T0 + 301_000 });
    const result = await handleAlarmEvent(alarmEvent(PEER_ALARM), t.deps);
    expect(result).toMatchObject({ action: 'stale', reason: expect.stringContaining('301 s old') });
    expect(t.reads).toEqual([]);
    expect(t.starter.calls).toEqual([]);
    // Exactly at the limit it still counts.
    const fresh = setup({ now: T0 + 300_000 });
    expect((await handleAlarmEvent(alarmEvent(PEER_ALARM), fresh.deps)).action).toBe('started');
  });

  it('duplicate events and concurrent triggers: the lock lets exactly one start, the others land on its incident', async () => {
    const t = setup();
    const events = [
      alarmEvent(PEER_ALARM),
      alarmEvent(PEER_ALARM),
      alarmEvent(`${PREFIX}canary--${PRIMARY}--${PRIMARY}`),
      alarmEvent(`${PREFIX}impaired--${PRIMARY}`),
    ];
    const results = await Promise.all(events.map((e) => handleAlarmEvent(e, t.deps)));
    expect(results.map((r) => r.action).sort()).toEqual(['duplicate', 'duplicate', 'duplicate', 'started']);
    expect(new Set(results.map((r) => r.incidentId)).size).toBe(1);
    expect(t.starter.names.size).toBe(1);
    expect(t.audit).toHaveLength(1);
  });

  it("a duplicate shortly after a holder that died before StartExecution starts the holder's execution, under its name", async () => {
    const t = setup();
    const holder = { incidentId: incidentIdFor('orders', PRIMARY, T0), acquiredAt: T0, expiresAt: T0 + 1_800_000 };
    await t.deps.lock.acquire(lockKeyFor('orders', PRIMARY), holder, T0);
    const result = await handleAlarmEvent(alarmEvent(PEER_ALARM), t.deps);
    expect(result).toMatchObject({ action: 'started', incidentId: holder.incidentId });
    expect(t.starter.calls.map((c) => c.name)).toEqual([holder.incidentId]);
    expect(t.starter.calls[0].input).toMatchObject({ trigger: { at: new Date(T0).toISOString() } });
  });

  it('ExecutionAlreadyExists (started: false) counts as handled: duplicate, no second audit record', async () => {
    const t = setup();
    t.starter.names.add(incidentIdFor('orders', PRIMARY, T0 + 5_000));
    const result = await handleAlarmEvent(alarmEvent(PEER_ALARM), t.deps);
    expect(result).toMatchObject({ action: 'duplicate', executionId: expect.stringContaining(':execution:') });
    expect(t.audit).toEqual([]);
  });

  it('honours the cooldown after a failover started, then opens a new incident', async () => {
    const t = setup({ now: T0 });
    const first = await handleAlarmEvent(alarmEvent(PEER_ALARM, { time: T0 }), t.deps);
    expect(first.action).toBe('started');

    // Past the event age but inside the cooldown: nothing new, and StartExecution is not even called.
    const later = T0 + 600_000;
    t.setNow(later);
    const inCooldown = await handleAlarmEvent(alarmEvent(PEER_ALARM, { time: later, id: 'e2' }), t.deps);
    expect(inCooldown).toMatchObject({ action: 'cooldown', incidentId: first.incidentId });
    expect(t.starter.calls).toHaveLength(1);

    const after = T0 + 1_800_000;
    t.setNow(after);
    const next = await handleAlarmEvent(alarmEvent(PEER_ALARM, { time: after, id: 'e3' }), t.deps);
    expect(next).toMatchObject({ action: 'started', incidentId: incidentIdFor('orders', PRIMARY, after) });
    expect(next.incidentId).not.toBe(first.incidentId);
  });

  it('never fails over away from its own region: alarms about its own region are ignored', async () => {
    const t = setup({ signals: [signal(PRIMARY, STANDBY, 'alarm'), signal(STANDBY, STANDBY, 'alarm')] });
    const result = await handleAlarmEvent(alarmEvent(`${PREFIX}canary--${PRIMARY}--${STANDBY}`), t.deps);
    expect(result).toMatchObject({ action: 'ignored', reason: expect.stringContaining(`only ever fails over from ${PRIMARY} to ${STANDBY}`) });
    expect(t.starter.calls).toEqual([]);
  });

  it('only ever starts failovers TO the region it runs in, whatever the events (property)', async () => {
    const names = fc.constantFrom(
      ...[PRIMARY, STANDBY, 'global'].flatMap((v) => [PRIMARY, STANDBY, 'global'].map((tg) => `${PREFIX}canary--${v}--${tg}`)),
      `${PREFIX}impaired--${PRIMARY}`,
      `${PREFIX}impaired--${STANDBY}`,
      `${PREFIX}route53-health-check--global--${STANDBY}`,
    );
    const state = fc.constantFrom<'ok' | 'alarm' | 'no-data'>('ok', 'alarm', 'no-data');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(PRIMARY, STANDBY),
        fc.array(fc.tuple(names, fc.constantFrom<AlarmStateValue>('OK', 'ALARM', 'INSUFFICIENT_DATA')), { minLength: 1, maxLength: 6 }),
        fc.array(state, { minLength: 4, maxLength: 4 }),
        async (region, evts, states) => {
          const [a, b, c, d] = states;
          const t = setup({
            region,
            signals: [signal(PRIMARY, PRIMARY, a), signal(STANDBY, PRIMARY, b), signal(PRIMARY, STANDBY, c), signal(STANDBY, STANDBY, d)],
          });
          for (const [name, st] of evts) await handleAlarmEvent(alarmEvent(name, { state: st, region }), t.deps);
          const peer = region === PRIMARY ? STANDBY : PRIMARY;
          expect(t.starter.calls.every((call) => call.input.toRegion === region && call.input.fromRegion === peer)).toBe(true);
          expect(t.starter.names.size).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('does nothing when its own region is already ACTIVE (the failover already happened, or it is the primary)', async () => {
    const t = setup({ siteState: 'ACTIVE' });
    expect(await handleAlarmEvent(alarmEvent(PEER_ALARM), t.deps)).toMatchObject({ action: 'ignored', reason: expect.stringContaining('already ACTIVE') });
    expect(t.starter.calls).toEqual([]);
  });

  it('ignores OK transitions and alarms that are not detection signals', async () => {
    const t = setup();
    expect((await handleAlarmEvent(alarmEvent(PEER_ALARM, { state: 'OK' }), t.deps)).action).toBe('ignored');
    expect((await handleAlarmEvent(alarmEvent(`${PREFIX}detection-dead-letters`), t.deps)).action).toBe('ignored');
    expect(t.reads).toEqual([]);
    expect(t.starter.calls).toEqual([]);
  });

  it("mirrors a Route 53 health-check alarm forwarded from us-east-1 and leaves the decision to the mirror's own event", async () => {
    const t = setup();
    const name = `${PREFIX}route53-health-check--global--${PRIMARY}`;
    const result = await handleAlarmEvent(alarmEvent(name, { region: 'us-east-1' }), t.deps);
    expect(result.action).toBe('mirrored');
    expect(t.mirrored).toEqual([[name, 'ALARM', expect.stringContaining('Forwarded from us-east-1')]]);
    expect(t.starter.calls).toEqual([]);
    // Any other alarm from another region is not this copy's to judge.
    expect((await handleAlarmEvent(alarmEvent(PEER_ALARM, { region: 'us-east-1' }), t.deps)).action).toBe('ignored');
    expect(t.mirrored).toHaveLength(1);
  });

  it('rejects a malformed event naming the field, and a copy configured for a region outside the config', async () => {
    const t = setup();
    const bad = alarmEvent(PEER_ALARM) as Record<string, unknown>;
    delete (bad.detail as Record<string, unknown>).alarmName;
    await expect(handleAlarmEvent(bad, t.deps)).rejects.toThrow(InvalidInputError);
    await expect(handleAlarmEvent(bad, t.deps)).rejects.toThrow(/detail\.alarmName/);
    await expect(handleAlarmEvent({ ...alarmEvent(PEER_ALARM), time: 'yesterday' }, t.deps)).rejects.toThrow(/time: must be an ISO 8601/);
    const elsewhere = setup({ region: 'eu-west-1' });
    await expect(handleAlarmEvent(alarmEvent(PEER_ALARM), elsewhere.deps)).rejects.toThrow(ConfigurationError);
  });
});

describe('createHandler', () => {
  it('runs the use case through the Middy chain and rethrows typed errors untouched', async () => {
    const t = setup();
    const handler = createHandler({ ...t.deps, logger: createLogger('alarm-trigger', 'SILENT') });
    await expect(handler(alarmEvent(PEER_ALARM), fakeLambdaContext('alarm-trigger'))).resolves.toMatchObject({ action: 'started' });
    await expect(handler({ nope: true }, fakeLambdaContext('alarm-trigger'))).rejects.toBeInstanceOf(InvalidInputError);
  });
});
