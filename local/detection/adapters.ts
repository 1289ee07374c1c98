import type { FailoverStarter, IncidentLock, IncidentLockHolder, SiteState, SiteStateValue } from '../../functions/shared/ports';
import type { LocalExecution } from '../runtime/local-state-machine';
import type { LocalWorld } from '../world/world';

// The alarm trigger's ports in the drill, in memory: what the deployed trigger gets from DynamoDB, Step Functions and SSM.

/** The lock the DynamoDB adapter implements, in memory: one per region, as in AWS. */
export class InMemoryIncidentLock implements IncidentLock {
  private readonly items = new Map<string, IncidentLockHolder>();
  async acquire(key: string, holder: IncidentLockHolder, now: number): Promise<{ acquired: boolean; holder: IncidentLockHolder }> {
    const current = this.items.get(key);
    if (current && current.expiresAt > now) return { acquired: false, holder: current };
    this.items.set(key, holder);
    return { acquired: true, holder };
  }
}

/** StartExecution on the local engine: names are unique per state machine, as in Step Functions. */
export class LocalFailoverStarter implements FailoverStarter {
  readonly executions = new Map<string, LocalExecution>();
  constructor(
    readonly region: string,
    private readonly run: (input: unknown, name: string) => LocalExecution,
    private readonly onStarted: (execution: LocalExecution, region: string, input: unknown) => void,
  ) {}

  async start(name: string, input: unknown): Promise<{ executionId: string; started: boolean }> {
    const existing = this.executions.get(name);
    if (existing) return { executionId: existing.id, started: false };
    const execution = this.run(input, name);
    this.executions.set(name, execution);
    this.onStarted(execution, this.region, input);
    return { executionId: execution.id, started: true };
  }
}

/** A region's own SSM flag, readable while its application is down (only a dark region's is not). */
export class OwnSiteStateReader implements SiteState {
  constructor(private readonly world: LocalWorld) {}
  async get(region: string): Promise<SiteStateValue> {
    if (this.world.darkRegions.has(region)) throw new Error(`${region} is dark`);
    return this.world.apps[region].siteState;
  }
  async set(): Promise<void> {
    throw new Error('the alarm trigger never changes a site state');
  }
}
