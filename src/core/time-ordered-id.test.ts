import { describe, expect, it } from 'vitest';
import { timeOrderedId } from './time-ordered-id.js';

describe('timeOrderedId', () => {
  it('is a version-7 UUID whose text order follows time', () => {
    const id = timeOrderedId(Date.UTC(2026, 10, 23, 12, 0, 0));
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const ms = Date.UTC(2026, 10, 23, 12, 0, 0).toString(16).padStart(12, '0');
    expect(id.replaceAll('-', '').slice(0, 12)).toBe(ms);
    const ids = [1_000, 2_000, 1_700_000_000_000, 1_800_000_000_000].map((t) => timeOrderedId(t));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(Array.from({ length: 1000 }, () => timeOrderedId(5))).size).toBe(1000);
  });
});
