import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SiteStateClient, SiteStateReading } from './index';

/**
 * A Node HTTP middleware, `(req, res, next)`, that refuses writes in a region that must not write: Express and
 * Connect take it as it is; a bare `node:http` server calls it before its own handler (examples/http-server.ts).
 * Reads pass without asking the site state, so a PASSIVE region keeps serving them.
 */

export interface SiteStateMiddlewareOptions {
  /**
   * The methods that write, upper case; every other method passes.
   * @default ['POST', 'PUT', 'PATCH', 'DELETE']
   */
  readonly writeMethods?: readonly string[];
  /**
   * The Retry-After header of a refusal, in seconds. A failover moves the global name to the other region, so a
   * client retrying after this long usually lands on the region that writes.
   * @default 30
   */
  readonly retryAfterSeconds?: number;
  /** Called on every refused write, e.g. to log `reading.detail` (which the response body leaves out). */
  readonly onRefused?: (reading: SiteStateReading, req: IncomingMessage) => void;
}

/** The JSON body of a refused write. */
export interface SiteStateRefusal {
  /** `region-passive`: the switch says PASSIVE; `site-state-unavailable`: it could not be read for too long. */
  readonly error: 'region-passive' | 'site-state-unavailable';
  readonly message: string;
  readonly region: string;
  readonly retryAfterSeconds: number;
}

export type NextFunction = (err?: unknown) => void;

export const DEFAULT_WRITE_METHODS: readonly string[] = ['POST', 'PUT', 'PATCH', 'DELETE'];

export function siteStateMiddleware(
  client: Pick<SiteStateClient, 'state' | 'region'>,
  opts: SiteStateMiddlewareOptions = {},
): (req: IncomingMessage, res: ServerResponse, next: NextFunction) => void {
  const writes = new Set((opts.writeMethods ?? DEFAULT_WRITE_METHODS).map((m) => m.toUpperCase()));
  const retryAfter = opts.retryAfterSeconds ?? 30;
  if (!(Number.isInteger(retryAfter) && retryAfter >= 0))
    throw new Error(`siteStateMiddleware: retryAfterSeconds must be a whole number of seconds; got ${retryAfter}`);

  return (req, res, next) => {
    if (!writes.has((req.method ?? 'GET').toUpperCase())) {
      next();
      return;
    }
    client.state().then(
      (reading) => {
        if (reading.state === 'ACTIVE') {
          next();
          return;
        }
        opts.onRefused?.(reading, req);
        const unavailable = reading.source === 'fail-safe';
        const refusal: SiteStateRefusal = {
          error: unavailable ? 'site-state-unavailable' : 'region-passive',
          message: unavailable
            ? `${client.region} cannot read its site state: writes are refused until it can`
            : `${client.region} is PASSIVE (another region is active): writes are refused here`,
          region: client.region,
          retryAfterSeconds: retryAfter,
        };
        const body = JSON.stringify(refusal);
        res.writeHead(503, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'retry-after': String(retryAfter) });
        res.end(body);
      },
      // state() never rejects; if a custom client does, the framework's error handler decides (never a write).
      (err: unknown) => next(err),
    );
  };
}
