import { describe, expect, it } from 'vitest';
import { RecentDeliveries } from '../../src/queue/recent-deliveries.ts';

describe('RecentDeliveries', () => {
  it('remembers delivery ids it was given', () => {
    const recent = new RecentDeliveries(10, 60_000);
    recent.add('a');
    expect(recent.has('a')).toBe(true);
    expect(recent.has('b')).toBe(false);
  });

  it('forgets the oldest id once full, so memory stays bounded', () => {
    const recent = new RecentDeliveries(2, 60_000);
    recent.add('a');
    recent.add('b');
    recent.add('c');
    expect([recent.has('a'), recent.has('b'), recent.has('c')]).toEqual([false, true, true]);
    expect(recent.size).toBe(2);
  });

  it('forgets ids older than the retention of completed jobs', () => {
    let now = 1_000;
    const recent = new RecentDeliveries(10, 500, () => now);
    recent.add('a');
    now = 1_400;
    expect(recent.has('a')).toBe(true);
    now = 1_501;
    expect(recent.has('a')).toBe(false);
    expect(recent.size).toBe(0);
  });

  it('refuses a capacity below one', () => {
    expect(() => new RecentDeliveries(0, 1)).toThrow('capacity must be at least 1');
  });
});
