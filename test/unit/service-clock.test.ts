import { describe, expect, it } from 'vitest';
import { ServiceClock } from '../../src/channels/service-clock.js';

describe("a service's clock read from its answers", () => {
  const now = Date.parse('2026-12-05T10:00:00.000Z');
  it('converts a date on the service clock to ours by the Date header of its latest answer', () => {
    const clock = new ServiceClock();
    // Before any answer, a date is taken as it is.
    expect(clock.toLocal(now - 5_000)).toBe(now - 5_000);
    // The service is two hours behind this machine.
    clock.observe(new Headers({ date: new Date(now - 2 * 3_600_000).toUTCString() }), now);
    expect(Math.abs(clock.toLocal(now - 2 * 3_600_000 - 5_000)! - (now - 5_000))).toBeLessThanOrEqual(1_000);
    // An answer without a readable Date keeps what the last one showed.
    clock.observe(new Headers({ date: 'not a date' }), now);
    expect(Math.abs(clock.toLocal(now - 2 * 3_600_000)! - now)).toBeLessThanOrEqual(1_000);
    expect(clock.toLocal(undefined)).toBeUndefined();
  });
});
