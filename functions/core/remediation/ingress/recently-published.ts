/**
 * The dedup keys this execution environment has itself published, until their dedup items expire.
 * Alertmanager repeats every firing group each repeat_interval and most deliveries are repeats;
 * answering those from memory saves a DynamoDB write each (a failed conditional write still
 * consumes write capacity) and most of the response time.
 *
 * Only keys published here are remembered: they are never released again, so memory can only
 * say "duplicate" where the table would. A key another delivery holds is not remembered, because
 * that delivery may still fail and release it for the retry.
 */
export class RecentlyPublished {
  /** Key -> expiry (epoch ms). Map order is insertion order, so the first entry is the oldest. */
  private readonly expiries = new Map<string, number>();

  constructor(private readonly capacity = 10_000) {}

  has(key: string, nowMs: number): boolean {
    const expiresAt = this.expiries.get(key);
    if (expiresAt === undefined) return false;
    if (expiresAt > nowMs) return true;
    this.expiries.delete(key);
    return false;
  }

  add(key: string, expiresAtMs: number): void {
    this.expiries.delete(key);
    this.expiries.set(key, expiresAtMs);
    // Forgetting the oldest is always safe: the table still answers for it.
    for (const oldest of this.expiries.keys()) {
      if (this.expiries.size <= this.capacity) break;
      this.expiries.delete(oldest);
    }
  }
}
