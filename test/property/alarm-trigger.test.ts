import fc from 'fast-check';
import { createHandler } from '../../functions/alarm-trigger/handler';
import type { TriggerResult } from '../../functions/alarm-trigger/alarm-trigger';
import { regionHealth } from '../../functions/health-checker/health-checker';
import { createLogger } from '../../functions/shared/middleware';
import type { AlarmStateValue, SiteStateValue } from '../../functions/shared/ports';
import { alarmNamePrefix } from '../../config/resource-names';
import { InMemoryIncidentLock } from '../../local/detection/adapters';
import { fakeLambdaContext } from '../../local/world/approval-server';
import { FakeWorld } from '../support/failure-modes/fake-world';
import { PRIMARY, STANDBY, configWith } from '../support/repo-config';
import { FakeClock } from '../support/virtual-time';

/**
 * The alarm trigger on its own, many more cases than the full model: any stream of alarm state changes
 * (either region's copy, duplicates delivered concurrently, stale retries, clock jumps, site-state
 * flips) starts an execution only on a fresh event with a quorum at that moment, only to activate the
 * receiving region, and at most once per incident lock window.
 *
 * Replay a failure: FC_SEED=<seed> FC_PATH=<path> npx jest test/property/alarm-trigger.test.ts
 */
const seed = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : 20_250_103;
const numRuns = process.env.FC_RUNS !== undefined ? Number(process.env.FC_RUNS) : 2_000;
const config = configWith({ traffic: 'arc-routing-control', stores: ['dynamodb'], detection: { quorum: 2, maxEventAgeSeconds: 300, cooldownSeconds: 1800 } });
const prefix = alarmNamePrefix(config.application);
const WINDOW = Math.max(config.detection.cooldownSeconds, config.detection.maxEventAgeSeconds) * 1000;

const alarmNames = new FakeWorld(config).alarmNames();
type Step =
  | { kind: 'event'; alarm: string; state: AlarmStateValue; to: string; copies: number; ageSeconds: number }
  | { kind: 'advance'; seconds: number }
  | { kind: 'site'; region: string; value: SiteStateValue };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('event' as const),
      alarm: fc.constantFrom(...alarmNames, `${prefix}impaired--${PRIMARY}`, 'someone-elses-alarm'),
      state: fc.constantFrom<AlarmStateValue>('ALARM', 'ALARM', 'OK', 'INSUFFICIENT_DATA'),
      to: fc.constantFrom(PRIMARY, STANDBY, STANDBY),
      copies: fc.integer({ min: 1, max: 4 }),
      ageSeconds: fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 0, max: 60 }) }, { weight: 1, arbitrary: fc.integer({ min: 250, max: 90_000 }) }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), seconds: fc.integer({ min: 1, max: 900 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('site' as const),
      region: fc.constantFrom(PRIMARY, STANDBY),
      value: fc.constantFrom<SiteStateValue>('ACTIVE', 'PASSIVE'),
    }),
  },
);

test(`alarm trigger: fresh quorum, own region, once per incident (${numRuns} runs)`, async () => {
  process.stdout.write(`[property] alarm trigger: seed=${seed} numRuns=${numRuns}\n`);
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), async (steps) => {
      const world = new FakeWorld(config);
      const clock = new FakeClock();
      const starts: Array<{ region: string; from: string; at: number; name: string }> = [];
      const names = new Map<string, Set<string>>();
      const trigger = Object.fromEntries(
        [PRIMARY, STANDBY].map((region) => {
          names.set(region, new Set());
          const handler = createHandler({
            config,
            region,
            alarmNamePrefix: prefix,
            signals: world.triggerSignals,
            lock: new InMemoryIncidentLock(),
            starter: {
              start: async (name, input) => {
                const started = !names.get(region)!.has(name);
                names.get(region)!.add(name);
                if (started) starts.push({ region, from: (input as { fromRegion: string }).fromRegion, at: clock.now(), name });
                return { executionId: `arn:${region}:${name}`, started };
              },
            },
            notifier: world.notifier,
            siteState: world.ownSiteState,
            audit: world.audit,
            clock,
            logger: createLogger('alarm-trigger', 'SILENT'),
          });
          return [region, (e: unknown) => handler(e, fakeLambdaContext('alarm-trigger'))];
        }),
      );
      for (const s of steps) {
        if (s.kind === 'advance') clock.advance(s.seconds * 1000);
        else if (s.kind === 'site') world.sites[s.region] = s.value;
        else {
          if (s.alarm.startsWith(prefix) && world.alarms.has(s.alarm)) world.alarms.set(s.alarm, s.state);
          const at = clock.now() - s.ageSeconds * 1000;
          const event = {
            id: `e-${Math.random()}`,
            'detail-type': 'CloudWatch Alarm State Change',
            source: 'aws.cloudwatch',
            time: new Date(at).toISOString(),
            region: s.to,
            detail: { alarmName: s.alarm, state: { value: s.state } },
          };
          const peer = s.to === PRIMARY ? STANDBY : PRIMARY;
          const quorumNow = regionHealth(peer, world.signalsFor([peer])).independentFailures >= config.detection.quorum;
          const passive = world.sites[s.to] !== 'ACTIVE';
          const before = starts.length;
          const results = (await Promise.all(Array.from({ length: s.copies }, () => trigger[s.to](event)))) as TriggerResult[];
          const started = starts.length - before;
          expect(started).toBeLessThanOrEqual(1);
          if (started === 1) {
            // Started only by a fresh event, a quorum right now, a PASSIVE own region, to activate that region.
            expect({ ageSeconds: s.ageSeconds <= config.detection.maxEventAgeSeconds, quorumNow, passive, from: starts.at(-1)!.from }).toEqual({
              ageSeconds: true,
              quorumNow: true,
              passive: true,
              from: peer,
            });
            expect(results.filter((r) => r.action === 'started')).toHaveLength(1);
          }
          if (s.ageSeconds > config.detection.maxEventAgeSeconds) for (const r of results) expect(r.action).toBe('stale');
        }
      }
      // Once per incident: a second start from the same region only after the first one's lock window.
      for (const region of [PRIMARY, STANDBY]) {
        const mine = starts.filter((x) => x.region === region);
        for (let i = 1; i < mine.length; i++) expect(mine[i].at - mine[i - 1].at).toBeGreaterThanOrEqual(WINDOW);
      }
    }),
    { seed, numRuns, path: process.env.FC_PATH },
  );
}, 300_000);
