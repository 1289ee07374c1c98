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
  /** A crashed region ships nothing more and accepts nothing. */
  crashed = false;

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

  write(key: string, value: string, now = Date.now()): Item {
    if (this.crashed) throw new Error(`${this.region} store unavailable`);
    const item = { key, value, writtenAt: now, origin: this.region };
    this.items.set(key, item);
    this.ship(item);
    return item;
  }

  private ship(item: Item): void {
    const peer = this.peer;
    if (!peer) return;
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
    const lost = this.inFlight.size;
    for (const t of this.inFlight) clearTimeout(t);
    this.inFlight.clear();
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
    return this.inFlight.size;
  }

  stop(): void {
    for (const t of this.inFlight) clearTimeout(t);
    this.inFlight.clear();
  }
}
