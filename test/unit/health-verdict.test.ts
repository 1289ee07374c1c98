import { readFileSync } from 'node:fs';
import { decideVerdict } from '../../functions/health-checker/health-checker';
import type { Signal } from '../../functions/shared/ports';
import type { Verdict } from '../../functions/shared/workflow';
import { FAILOVER_ASL } from '../../local/control-plane';
import { LocalStateMachine, type SnsPublishInput } from '../../local/runtime/local-state-machine';
import { useVirtualTime } from '../support/virtual-time';

// Retry intervals and Waits are virtual time: nothing here waits on the real clock.
useVirtualTime();

const P = 'us-east-1';
const S = 'us-west-2';
const sig = (vantage: string, target: string, state: 'ok' | 'alarm' | 'no-data', source: Signal['source'] = 'canary'): Signal => ({
  id: `${source}:${vantage}->${target}`,
  source,
  vantage,
  target,
  healthy: state === 'ok',
  state,
  detail: state,
  observedAt: '2025-01-01T00:00:00.000Z',
});

describe('decideVerdict: silence is judged by where the observer sits', () => {
  it('the dark primary: its own silent canary counts against it, never against the standby', () => {
    const v = decideVerdict([sig(P, P, 'no-data'), sig(S, P, 'alarm'), sig(P, S, 'no-data'), sig(S, S, 'ok')], P, S, 2);
    expect(v.verdict).toBe('FAILOVER_WARRANTED');
    expect(v.standby).toMatchObject({ healthySignals: [`canary:${S}->${S}`], unhealthySignals: [], unknownSignals: [`canary:${P}->${S}`] });
    expect(v.evidence).toContain(`NONE canary:${P}->${S}: no-data`);
  });

  it('a silent observer alone is not a quorum', () => {
    expect(decideVerdict([sig(P, P, 'no-data'), sig(S, P, 'ok'), sig(S, S, 'ok')], P, S, 2).verdict).toBe('INSUFFICIENT_SIGNALS');
  });

  it('a standby seen only by silent observers is not healthy: refuse', () => {
    expect(decideVerdict([sig(P, P, 'alarm'), sig(S, P, 'alarm'), sig(P, S, 'no-data')], P, S, 2).verdict).toBe('STANDBY_UNHEALTHY');
  });

  it('the standby silent from inside its own region is unhealthy', () => {
    expect(decideVerdict([sig(P, P, 'alarm'), sig(S, P, 'alarm'), sig(S, S, 'no-data'), sig(P, S, 'ok')], P, S, 2).verdict).toBe('STANDBY_UNHEALTHY');
  });

  it('signals without a state keep their old meaning (healthy or not)', () => {
    const legacy = (vantage: string, target: string, healthy: boolean): Signal => ({
      id: `canary:${vantage}->${target}`,
      source: 'canary',
      vantage,
      target,
      healthy,
      detail: '',
      observedAt: '',
    });
    expect(decideVerdict([legacy(P, P, false), legacy(S, P, false), legacy(S, S, true)], P, S, 2).verdict).toBe('FAILOVER_WARRANTED');
    expect(decideVerdict([legacy(P, P, true), legacy(S, P, true), legacy(S, S, true)], P, S, 2).verdict).toBe('PRIMARY_HEALTHY');
  });
});

describe('the failover definition ends on the verdict: alert for NO_ACTION, escalation for REFUSED, nothing changed', () => {
  const definition = readFileSync(FAILOVER_ASL, 'utf8');
  const placeholders = [...new Set([...definition.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]))];

  async function runWith(verdict: Verdict) {
    const calls: string[] = [];
    const published: SnsPublishInput[] = [];
    const lambdas: Record<string, (p: unknown) => Promise<unknown>> = {};
    const substitutions: Record<string, string> = {};
    for (const name of placeholders) {
      if (name.endsWith('TopicArn')) {
        substitutions[name] = `arn:aws:sns:us-west-2:000000000000:${name}`;
        continue;
      }
      const arn = `arn:aws:lambda:us-west-2:000000000000:function:${name.replace(/FunctionArn$/, '')}`;
      substitutions[name] = arn;
      lambdas[arn] = async (payload) => {
        const action = (payload as { action?: string }).action;
        calls.push(`${name}:${action}`);
        if (name === 'HealthCheckerFunctionArn' && action === 'assess') {
          return { verdict, summary: `verdict ${verdict}`, evidence: [], primary: {}, standby: {}, checkedAt: '2025-01-01T00:00:00.000Z' };
        }
        throw Object.assign(new Error(`${name} must not run after ${verdict}`), { name: 'UnexpectedCall' });
      };
    }
    const machine = new LocalStateMachine(definition, substitutions, { lambdas, snsPublish: async (m) => void published.push(m) });
    const input = {
      incidentId: 'inc-1',
      direction: 'failover',
      fromRegion: P,
      toRegion: S,
      trigger: { source: 'alarm', at: '2025-01-01T00:00:00Z' },
      dryRun: false,
    };
    const result = await machine.start(input, `verdict-${verdict}`).result;
    return { result, calls, published };
  }

  it.each(['PRIMARY_HEALTHY', 'INSUFFICIENT_SIGNALS'] as const)(
    '%s: succeeds with outcome NO_ACTION after an alert, having changed nothing',
    async (verdict) => {
      const { result, calls, published } = await runWith(verdict);
      expect(result).toMatchObject({ status: 'SUCCEEDED', output: { outcome: 'NO_ACTION' } });
      expect(calls).toEqual(['HealthCheckerFunctionArn:assess']);
      expect(published.map((m) => m.TopicArn)).toEqual([expect.stringContaining('AlertTopicArn')]);
      expect(published[0].Message).toContain(`verdict ${verdict}`);
    },
  );

  it('STANDBY_UNHEALTHY: fails FailoverRefused after an escalation, having changed nothing', async () => {
    const { result, calls, published } = await runWith('STANDBY_UNHEALTHY');
    expect(result).toMatchObject({ status: 'FAILED', error: 'FailoverRefused' });
    expect(calls).toEqual(['HealthCheckerFunctionArn:assess']);
    expect(published.map((m) => m.TopicArn)).toEqual([expect.stringContaining('EscalationTopicArn')]);
  });
});
