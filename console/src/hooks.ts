import { useEffect, useRef, useState } from 'preact/hooks';
import { useConsole } from './context.js';

/** The server's "now", ticking every second: what countdowns count from. */
export function useNow(): number {
  const { api } = useConsole();
  const [now, setNow] = useState(() => api.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(api.now()), 1_000);
    return () => clearInterval(timer);
  }, [api]);
  return now;
}

/**
 * Runs `load` now and then every `intervalMs` after the previous run finished, never two at once,
 * and not while the tab is hidden (it runs again the moment the tab is shown).
 */
export function usePolling(load: () => Promise<void>, intervalMs: number, key: unknown) {
  const latest = useRef(load);
  latest.current = load;
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let running = false;
    const tick = async () => {
      if (stopped || running) return;
      clearTimeout(timer);
      if (document.visibilityState === 'visible') {
        running = true;
        try {
          await latest.current();
        } catch {
          // the view shows its own error state; polling goes on
        } finally {
          running = false;
        }
      }
      if (!stopped) timer = setTimeout(tick, intervalMs);
    };
    const onVisibility = () => {
      if (document.visibilityState === 'visible') void tick();
    };
    void tick();
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [intervalMs, key]);
}

/** True when a key press belongs to a text field (shortcuts must not steal typing). */
export function isTyping(event: KeyboardEvent): boolean {
  const target = event.target;
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/** A single-key shortcut handler, active while the component is shown and shortcuts are on. */
export function useShortcuts(handler: (event: KeyboardEvent) => boolean) {
  const { shortcutsEnabled } = useConsole();
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
      if (isTyping(event) || !shortcutsEnabled()) return;
      if (latest.current(event)) event.preventDefault();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [shortcutsEnabled]);
}

/** Moves focus to the view's heading when it first shows, so screen readers announce the new view. */
export function useFocusHeading() {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus({ preventScroll: true });
  }, []);
  return heading;
}
