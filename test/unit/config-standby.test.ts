import { ConfigError, parseConfig } from '../../config/load';
import { configInput } from './aws/fixtures';

const withStandby = (standby: unknown) => parseConfig({ ...configInput, standby });
const issues = (standby: unknown): readonly string[] => {
  try {
    withStandby(standby);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  return [];
};

describe('config: standby', () => {
  it('defaults to a hot standby with nothing to scale', () => {
    expect(parseConfig(configInput).standby).toEqual({ mode: 'hot', scaling: [] });
  });

  it('accepts each scaling target kind for a warm or pilot-light standby', () => {
    const cfg = withStandby({
      mode: 'pilot-light',
      scaling: [
        { kind: 'ecs-service', cluster: 'orders', service: 'api', desiredCount: 6 },
        { kind: 'asg', name: 'workers', minSize: 2, desiredCapacity: 4 },
        { kind: 'lambda-provisioned-concurrency', functionName: 'checkout', qualifier: 'live', concurrency: 25 },
      ],
    });
    expect(cfg.standby.scaling.map((t) => t.kind)).toEqual(['ecs-service', 'asg', 'lambda-provisioned-concurrency']);
  });

  it.each([
    [{ mode: 'hot', scaling: [{ kind: 'asg', name: 'w', minSize: 1, desiredCapacity: 1 }] }, 'standby.scaling: must be empty when standby.mode is "hot"'],
    [{ mode: 'warm' }, 'standby.scaling: needs at least one target when standby.mode is "warm"'],
    [{ mode: 'lukewarm', scaling: [] }, 'standby.mode:'],
    [{ mode: 'warm', scaling: [{ kind: 'asg', name: 'w', minSize: 5, desiredCapacity: 2 }] }, 'standby.scaling[0].minSize: must not exceed desiredCapacity'],
    [{ mode: 'warm', scaling: [{ kind: 'ecs-service', cluster: 'c', service: 's', desiredCount: 0 }] }, 'standby.scaling[0].desiredCount:'],
    [{ mode: 'warm', scaling: [{ kind: 'ecs-service', cluster: '', service: 's', desiredCount: 2 }] }, 'standby.scaling[0].cluster: must name the ECS cluster'],
    [
      { mode: 'warm', scaling: [{ kind: 'lambda-provisioned-concurrency', functionName: 'f', qualifier: '$LATEST', concurrency: 2 }] },
      'standby.scaling[0].qualifier: must be an alias or a version number',
    ],
    [
      { mode: 'warm', scaling: [{ kind: 'ecs-service', cluster: 'c', service: 's', desiredCount: 2, replicas: 3 }] },
      'standby.scaling[0]: unknown field(s) "replicas"',
    ],
    [{ mode: 'warm', scaling: [{ kind: 'k8s', name: 'x' }] }, 'standby.scaling[0].kind:'],
  ])('%j fails naming the field', (standby, message) => {
    expect(issues(standby).join('\n')).toContain(message);
  });
});
