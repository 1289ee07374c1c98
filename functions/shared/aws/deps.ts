// Placeholder: the AWS dependency factories are being written (see functions/shared/aws/*).
import { ConfigurationError } from '../errors';
const notYet = (): never => {
  throw new ConfigurationError('AWS adapters not wired yet');
};
export const healthCheckerAwsDeps = notYet as () => never;
export const trafficRouterAwsDeps = notYet as () => never;
export const failoverOrchestratorAwsDeps = notYet as () => never;
export const dataConsistencyValidatorAwsDeps = notYet as () => never;
export const approvalRequestAwsDeps = notYet as () => never;
export const approvalCallbackAwsDeps = notYet as () => never;
