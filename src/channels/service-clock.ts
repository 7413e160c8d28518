/**
 * A service's clock against this machine's, read from the `Date` header of the service's latest answer.
 * A message's date is the service's: on a machine whose clock is off (a VM or WSL after a sleep, a board
 * with no real-time clock) every message would look sent long ago, and be refused as late, or a message
 * the service held for hours would look fresh. Dates converted here compare with this machine's clock.
 */
export class ServiceClock {
  /** The service's time minus ours, once an answer has shown it. */
  private offsetMs?: number;

  observe(headers: Headers, now = Date.now()): void {
    const date = Date.parse(headers.get('date') ?? '');
    // The header counts whole seconds: the middle of its second is the best guess.
    if (Number.isFinite(date)) this.offsetMs = date + 500 - now;
  }

  /** A time on the service's clock as a time on ours (as given while no answer has shown the service's clock). */
  toLocal(serviceMs: number | undefined): number | undefined {
    return serviceMs === undefined || this.offsetMs === undefined ? serviceMs : serviceMs - this.offsetMs;
  }
}
