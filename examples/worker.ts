/**
 * An application worker (an SQS-triggered Lambda in the protected application, not part of the control
 * plane) that honours the region's site state: in an ACTIVE region it writes orders; in a PASSIVE region it
 * dry-runs each message and hands it back to the queue, so nothing is written twice and nothing is lost.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { createSiteStateClient, type SiteStateClient } from '../integration/site-state';

export interface Order {
  readonly id: string;
  readonly total: number;
}

export interface WorkerDeps {
  readonly siteState: Pick<SiteStateClient, 'state'>;
  readonly saveOrder: (order: Order) => Promise<void>;
  readonly log: (message: string, fields?: Record<string, unknown>) => void;
}

function parseOrder(body: string): Order {
  const o = JSON.parse(body) as Partial<Order>;
  if (typeof o.id !== 'string' || typeof o.total !== 'number') throw new Error('order needs a string "id" and a numeric "total"');
  return { id: o.id, total: o.total };
}

export function createWorker(deps: WorkerDeps) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    // One read per batch: the cache makes it cheap, and a whole batch sees one consistent state.
    const reading = await deps.siteState.state();
    const failures: SQSBatchResponse['batchItemFailures'] = [];
    for (const record of event.Records) {
      let order: Order;
      try {
        order = parseOrder(record.body);
      } catch (err) {
        deps.log('rejected malformed order', { messageId: record.messageId, error: (err as Error).message });
        continue;
      }
      if (reading.state === 'ACTIVE') {
        await deps.saveOrder(order);
      } else {
        deps.log('dry run: region is PASSIVE, not writing', { orderId: order.id, reason: reading.detail });
        failures.push({ itemIdentifier: record.messageId });
      }
    }
    return { batchItemFailures: failures };
  };
}

// Wiring as the application would deploy it: its region from the Lambda environment, the control plane's
// application name (dr.config.json `application`) from its own. Its role needs ssm:GetParameter on the switch
// (docs/integration.md).
export const handler = (() => {
  let worker: ReturnType<typeof createWorker> | undefined;
  return (event: SQSEvent) => {
    worker ??= createWorker({
      siteState: createSiteStateClient({ application: process.env.DR_APPLICATION ?? '', region: process.env.AWS_REGION ?? '', maxAgeSeconds: 5 }),
      saveOrder: async () => {
        throw new Error('example: plug in the application data layer here');
      },
      log: (message, fields) => console.log(JSON.stringify({ message, ...fields })),
    });
    return worker(event);
  };
})();
