import { simNow } from '../sim/virtual-time';

/**
 * One region's copy of the application's data, replicating asynchronously to its peer with a lag,
 * like DynamoDB global tables or Aurora global database. When a region fails abruptly, what it had
 * not yet shipped is lost: that is the RPO, and the drill counts it.
 */
export interface Item {
  readonly key: string;
  readonly value: string;
  readonly writtenAt: number;
  readonly origin: string;
}

export class RegionalStore {
  private readonly items = new Map<string, Item>();
  private peer?: RegionalStore;
  private readonly inFlight = new Set<NodeJS.Timeout>();
  /** Items written while replication is stalled: shipped when it resumes, lost if the region crashes first. */
  private held: Item[] = [];
  /** A crashed region ships nothing more and accepts nothing. */
  crashed = false;
  /** Replication out of this copy is stalled (`replication-stall`, or a partition between the regions). */
  private stalled = false;

  constructor(
    readonly region: string,
    private lagMs: () => number,
  ) {}

  replicateTo(peer: RegionalStore): void {
    this.peer = peer;
  }

  setLag(lagMs: () => number): void {
    this.lagMs = lagMs;
  }

  write(key: string, value: string, now = simNow()): Item {
    if (this.crashed) throw new Error(`${this.region} store unavailable`);
    const item = { key, value, writtenAt: now, origin: this.region };
    this.items.set(key, item);
    this.ship(item);
    return item;
  }

  /** Stops (true) or resumes (false) shipping to the peer; on resume, what was held leaves in write order. */
  setStalled(stalled: boolean): void {
    this.stalled = stalled;
    if (stalled) return;
    const held = this.held;
    this.held = [];
    for (const item of held) this.ship(item);
  }

  private ship(item: Item): void {
    const peer = this.peer;
    if (!peer) return;
    if (this.stalled) {
      this.held.push(item);
      return;
    }
    const t = setTimeout(() => {
      this.inFlight.delete(t);
      if (!this.crashed) peer.applyReplicated(item);
    }, this.lagMs());
    this.inFlight.add(t);
  }

  private applyReplicated(item: Item): void {
    if (this.crashed) return;
    const current = this.items.get(item.key);
    // Last writer wins, as in global tables.
    if (!current || current.writtenAt <= item.writtenAt) this.items.set(item.key, item);
  }

  /** Abrupt failure: everything not yet replicated is gone with the region. */
  crash(): number {
    this.crashed = true;
    const lost = this.inFlight.size + this.held.length;
    for (const t of this.inFlight) clearTimeout(t);
    this.inFlight.clear();
    this.held = [];
    return lost;
  }

  recover(): void {
    this.crashed = false;
  }

  get(key: string): Item | undefined {
    return this.items.get(key);
  }

  keys(): string[] {
    return [...this.items.keys()];
  }

  get size(): number {
    return this.items.size;
  }

  /** Items written here and not yet applied at the peer. */
  get replicationBacklog(): number {
    return this.inFlight.size + this.held.length;
  }

  /** The write time of the oldest item not yet applied at the peer, or undefined when caught up. */
  get oldestUnshippedAt(): number | undefined {
    return this.held[0]?.writtenAt;
  }

  stop(): void {
    for (const t of this.inFlight) clearTimeout(t);
    this.inFlight.clear();
    this.held = [];
  }
}
