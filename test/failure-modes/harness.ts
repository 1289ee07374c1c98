/**
 * What the failure-mode tests import, in one place: the harness (test/support/failure-modes/), the config builder
 * (test/support/repo-config.ts), the hand-wound clock (test/support/virtual-time.ts) and the approval API's
 * requests (test/support/http.ts).
 */
export { outcomeOf } from '../../local/drill';
export type { Op } from '../support/failure-modes/faults';
export { FUNCTIONS } from '../support/failure-modes/functions';
export { failoverInput, Harness, primaryImpaired, SIGNING_KEY } from '../support/failure-modes/harness';
export { csrfOf } from '../support/http';
export { arcTraffic, configWith, PRIMARY, STANDBY, type StoreKind, storeOf } from '../support/repo-config';
export { FakeClock, T0 } from '../support/virtual-time';
