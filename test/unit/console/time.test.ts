import { describe, expect, it } from 'vitest';
import { formatCountdown, formatDuration, urgencyOf } from '../../../console/src/time.js';

describe('console time formatting', () => {
  it('shows spans at a glance in seconds, minutes, hours and days', () => {
    expect(formatDuration(45_000)).toBe('45 s');
    expect(formatDuration(12 * 60_000 + 59_000)).toBe('12 min');
    expect(formatDuration(3 * 3_600_000 + 5 * 60_000)).toBe('3 h 05 min');
    expect(formatDuration(50 * 3_600_000)).toBe('2 d 2 h');
  });

  it('counts down to a due time and up once it is past', () => {
    const now = Date.parse('2026-12-01T10:00:00Z');
    expect(formatCountdown('2026-12-01T10:30:00Z', now)).toBe('in 30 min');
    expect(formatCountdown('2026-12-01T09:58:00Z', now)).toBe('2 min overdue');
  });

  it('marks a due time amber within the warning window and red once it is past', () => {
    const now = Date.parse('2026-12-01T10:00:00Z');
    expect(urgencyOf('2026-12-01T12:00:00Z', now)).toBe('ok');
    expect(urgencyOf('2026-12-01T10:20:00Z', now)).toBe('soon');
    expect(urgencyOf('2026-12-01T09:59:59Z', now)).toBe('over');
    expect(urgencyOf(undefined, now)).toBe('ok');
  });
});
