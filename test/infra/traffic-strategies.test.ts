import { resolve } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { loadConfig, parseConfig } from '../../config/load';
import { ControlPlaneStack } from '../../infra/stacks/control-plane-stack';
import { actionsOf, logicalIdOf, resourcesFor, roleOf, statementsOfRole } from './template-helpers';
import { testApp } from '../support/cdk';

// Its own app: the ARC strategy (failure mode 4) must leave traffic-router without any Route 53 rights,
// so a failover can never depend on the Route 53 control plane in us-east-1.
const base = loadConfig(resolve(__dirname, '..', '..', 'dr.config.json'));
const [primary, standby] = [base.regions.primary.name, base.regions.standby.name];
const controlArn = (region: string) => `arn:aws:route53-recovery-control::111122223333:controlpanel/abc/routingcontrol/${region}`;
const arc = parseConfig({
  ...base,
  traffic: {
    strategy: 'arc-routing-control',
    clusterEndpoints: [{ region: 'us-west-2', endpoint: 'https://host-aaaaaa.us-west-2.example.com/v1' }],
    routingControlArns: { [primary]: controlArn(primary), [standby]: controlArn(standby) },
  },
});
const app = testApp();
const stack = new ControlPlaneStack(app, 'arc', { env: { region: standby }, config: arc });
const template = Template.fromStack(stack);
const statements = statementsOfRole(template, roleOf(template, logicalIdOf(stack, stack.node.findChild('Functions').node.findChild('TrafficRouter'))));

test('with ARC routing controls, traffic-router may flip only the configured routing controls', () => {
  const expected = [controlArn(primary), controlArn(standby)].sort();
  expect(resourcesFor(statements, 'route53-recovery-cluster:UpdateRoutingControlState').sort()).toEqual(expected);
  expect(resourcesFor(statements, 'route53-recovery-cluster:UpdateRoutingControlStates').sort()).toEqual(expected);
});

test('with ARC routing controls, traffic-router has no Route 53 permission at all', () => {
  expect([...actionsOf(statements)].filter((a) => a.startsWith('route53:'))).toEqual([]);
});
