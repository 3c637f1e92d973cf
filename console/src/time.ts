import { t } from './strings.js';

/** A span of time for a person at a glance: `45 s`, `12 min`, `3 h 05 min`, `2 d 4 h`. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(Math.abs(ms) / 1000));
  if (seconds < 60) return t('durationSeconds', { s: seconds });
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return t('durationMinutes', { m: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return t('durationHours', { h: hours, m: String(minutes % 60).padStart(2, '0') });
  return t('durationDays', { d: Math.floor(hours / 24), h: hours % 24 });
}

/** "in 3 h 05 min" or "12 min overdue", from now to a due time. */
export function formatCountdown(dueAt: string, now: number): string {
  const remaining = Date.parse(dueAt) - now;
  return remaining >= 0
    ? t('dueIn', { duration: formatDuration(remaining) })
    : t('overdueBy', { duration: formatDuration(remaining) });
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** A moment in the staff member's own locale and time zone. */
export function formatDateTime(iso: string): string {
  const at = Date.parse(iso);
  return Number.isNaN(at) ? iso : dateTime.format(at);
}

/** How urgent a due time is now: over (red), within the warning window (amber), or not yet. */
export function urgencyOf(
  dueAt: string | undefined,
  now: number,
  warnWithinMs = 30 * 60_000,
): 'over' | 'soon' | 'ok' {
  if (!dueAt) return 'ok';
  const remaining = Date.parse(dueAt) - now;
  if (remaining < 0) return 'over';
  return remaining <= warnWithinMs ? 'soon' : 'ok';
}
