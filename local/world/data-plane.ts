import type { DataStoreConfig } from '../../config/schema';
import { isHeartbeatKey } from '../../functions/shared/heartbeat';
import { simNow } from '../sim/virtual-time';
import { RegionalStore, type Item } from './regional-store';

/**
 * The application's data stores in both regions. Multi-writer stores (DynamoDB global tables, S3)
 * accept writes in either region; single-writer stores (Aurora global) only in the writer region
 * until promotion moves it.
 */
export class StorePair {
  readonly byRegion: Record<string, RegionalStore>;
  writer: string;
  promotions = 0;
  /** Latency of a control-plane call on this store (AWS ms). */
  callLatencyMs = 0;
  /** When set, promotion fails with this message. */
  failPromotion?: string;
  /** Replication lag of this store in AWS ms, when a fault sets one (else the world's). */
  lagOverrideMs?: number;

  constructor(
    readonly config: DataStoreConfig,
    regions: [string, string],
    lagMs: () => number,
  ) {
    const [a, b] = regions;
    const lag = () => this.lagOverrideMs ?? lagMs();
    const sa = new RegionalStore(a, lag);
    const sb = new RegionalStore(b, lag);
    sa.replicateTo(sb);
    sb.replicateTo(sa);
    this.byRegion = { [a]: sa, [b]: sb };
    this.writer = a;
  }

  get singleWriter(): boolean {
    return this.config.kind === 'aurora-global';
  }
}

export class DataPlane {
  readonly stores: StorePair[];

  constructor(configs: readonly DataStoreConfig[], regions: [string, string], lagMs: () => number) {
    this.stores = configs.map((c) => new StorePair(c, regions, lagMs));
  }

  store(name: string): StorePair {
    const s = this.stores.find((p) => p.config.name === name);
    if (!s) throw new Error(`no local data store named ${name}`);
    return s;
  }

  /** Writes one order into every store of `region`; returns a refusal reason, or undefined when written. */
  write(region: string, key: string, value: string): string | undefined {
    for (const s of this.stores) {
      if (s.singleWriter && s.writer !== region) return `${s.config.name} is read-only in ${region} (writer is ${s.writer})`;
      if (s.byRegion[region].crashed) return `${s.config.name} unavailable in ${region}`;
    }
    const now = simNow();
    for (const s of this.stores) s.byRegion[region].write(key, value, now);
    return undefined;
  }

  read(region: string, key: string): Item | undefined {
    return this.stores[0]?.byRegion[region].get(key);
  }

  /** A key is present in a region only if every store there has it. */
  has(region: string, key: string): boolean {
    return this.stores.every((s) => s.byRegion[region].get(key) !== undefined);
  }

  crash(region: string): void {
    for (const s of this.stores) s.byRegion[region].crash();
  }

  /**
   * The region is back: its stores accept writes again and catch up with what the peer took meanwhile,
   * as global tables resume replicating. What it had acknowledged but never shipped stays only there.
   */
  recover(region: string): void {
    for (const s of this.stores) {
      const back = s.byRegion[region];
      back.recover();
      const peer = Object.values(s.byRegion).find((r) => r !== back)!;
      for (const key of peer.keys()) {
        // The heartbeat comes back only through replication, as it would: a copied one would claim a catch-up that has not happened.
        if (isHeartbeatKey(key)) continue;
        const item = peer.get(key)!;
        const mine = back.get(key);
        if (!mine || mine.writtenAt < item.writtenAt) back.write(key, item.value, item.writtenAt);
      }
    }
  }

  stop(): void {
    for (const s of this.stores) for (const r of Object.values(s.byRegion)) r.stop();
  }
}
