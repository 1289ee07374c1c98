import type { Rng } from '../sim/random';

interface StepFault {
  readonly state: string;
  readonly error: string;
  remaining: number;
}

/** An error whose `name` is what Step Functions matches in Retry/Catch. */
class InjectedTaskError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/**
 * Faults the local Step Functions runtime applies before a Task's integration runs: `step-fails` (the named
 * state fails with `error`, `times` times; Retry and Catch see it exactly as they would in AWS) and Lambda
 * throttling (`Lambda.TooManyRequestsException` on a share of invocations, drawn from the drill's seed).
 */
export class TaskFaults {
  private readonly steps: StepFault[] = [];
  private lambdaThrottleRate = 0;
  /** Injected failures so far, by state name. */
  readonly injected = new Map<string, number>();

  constructor(private readonly rng: Rng) {}

  failStep(state: string, error: string, times: number): () => void {
    const f: StepFault = { state, error, remaining: times };
    this.steps.push(f);
    return () => {
      f.remaining = 0;
    };
  }

  throttleLambda(rate: number): () => void {
    this.lambdaThrottleRate = rate;
    return () => {
      this.lambdaThrottleRate = 0;
    };
  }

  before(state: string, resource: string): void {
    const f = this.steps.find((s) => s.state === state && s.remaining > 0);
    if (f) {
      f.remaining--;
      this.injected.set(state, (this.injected.get(state) ?? 0) + 1);
      throw new InjectedTaskError(f.error, `${state} failed with ${f.error} (drill fault step-fails)`);
    }
    const isLambda = resource.startsWith('arn:aws:lambda:') || resource.startsWith('arn:aws:states:::lambda:');
    if (isLambda && this.lambdaThrottleRate > 0 && this.rng.next() < this.lambdaThrottleRate) {
      this.injected.set(state, (this.injected.get(state) ?? 0) + 1);
      throw new InjectedTaskError('Lambda.TooManyRequestsException', 'Rate Exceeded. (drill fault throttle lambda)');
    }
  }
}
