/** At most `limit` events per key in any window of `windowMs` (a sliding window of timestamps). */
export class RateLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs = 60_000,
  ) {}

  allow(key: string, now = Date.now()): boolean {
    const recent = (this.hits.get(key) ?? []).filter((t) => t > now - this.windowMs);
    const ok = recent.length < this.limit;
    if (ok) recent.push(now);
    this.hits.set(key, recent);
    return ok;
  }
}

/** Remembers keys for `windowMs`: the second sighting of a key inside the window is a duplicate. */
export class Deduper {
  private readonly seen = new Map<string, number>();

  constructor(private readonly windowMs: number) {}

  duplicate(key: string, now = Date.now()): boolean {
    for (const [k, at] of this.seen) if (at <= now - this.windowMs) this.seen.delete(k);
    if (this.seen.has(key)) return true;
    this.seen.set(key, now);
    return false;
  }
}
