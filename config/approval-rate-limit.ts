// Beside the config schema because the CDK construct (a WAF rate-based rule) and the drill's approval server
// (local/world/approval-server.ts) apply the same rule, and neither may import the other.
/**
 * Per-client rate limit on the approval API: requests from one client address within a sliding window. A person
 * deciding makes about five requests (open, ask for a code, maybe again, decide); a flood from one address is cut
 * off without slowing anyone else. AWS WAF's lowest settings are a 60 s window and a limit of 10 (docs/adr/0017).
 */
export const APPROVAL_RATE_LIMIT = { requests: 60, windowSeconds: 60 } as const;
