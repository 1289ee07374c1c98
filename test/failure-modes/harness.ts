/**
 * What the failure-mode tests import, in one place: the harness (test/support/failure-modes/), the config builder
 * (test/support/repo-config.ts), the hand-wound clock (test/support/virtual-time.ts) and the approval API's
 * requests (test/support/http.ts).
 */
export { outcomeOf } from '../../local/drill';
export { RecordingBroker, SharedEngine } from '../support/failure-modes/engine';
export { FakeWorld, type Message, type Shift } from '../support/failure-modes/fake-world';
export { type FaultMode, Faults, type Op, OPS } from '../support/failure-modes/faults';
export { FUNCTIONS, type FunctionName } from '../support/failure-modes/functions';
export {
  APPROVAL_BASE_URL,
  type ApprovalHttpCall,
  type ApprovalHttpKind,
  failoverInput,
  Harness,
  type HarnessOptions,
  type PortOverrides,
  primaryImpaired,
  SIGNING_KEY,
} from '../support/failure-modes/harness';
export { apiEvent, csrfOf } from '../support/http';
export { APPROVER, arcTraffic, type ConfigChoice, configWith, PRIMARY, STANDBY, type StoreKind, storeOf } from '../support/repo-config';
export { FakeClock, T0 } from '../support/virtual-time';
