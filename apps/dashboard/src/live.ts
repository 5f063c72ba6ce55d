import { useEffect, useRef, useState } from 'react';
import type { LiveEvent } from './api';

/**
 * Follows `GET /events/live` (server-sent events pushed from the bus; of one app with `app`):
 * `onEvent` for each event, `onGap` when the gateway left some out (a slow connection) or the
 * connection came back, after which the page reads its state again. The browser reconnects by itself.
 */
export function useLiveEvents(opts: { app?: string; onEvent: (e: LiveEvent) => void; onGap?: () => void }): { connected: boolean } {
  const [connected, setConnected] = useState(false);
  const handlers = useRef(opts);
  handlers.current = opts;
  useEffect(() => {
    const source = new EventSource(`/events/live${opts.app ? `?app=${encodeURIComponent(opts.app)}` : ''}`);
    let opened = false;
    source.onopen = () => {
      setConnected(true);
      // A reconnection: what happened while the connection was down is not replayed.
      if (opened) handlers.current.onGap?.();
      opened = true;
    };
    source.onerror = () => setConnected(false);
    source.onmessage = (m: MessageEvent<string>) => {
      try {
        handlers.current.onEvent(JSON.parse(m.data) as LiveEvent);
      } catch {
        // not an event of ours: ignored
      }
    };
    source.addEventListener('gap', () => handlers.current.onGap?.());
    return () => source.close();
  }, [opts.app]);
  return { connected };
}

/**
 * Runs `fn` once now and again (coalesced within `ms`) each time `trigger()` is called: a page
 * reads its state once and again when an event says it changed, never on a timer of its own.
 */
export function useRefresh<T>(fn: () => Promise<T>, deps: unknown[], ms = 250): { value: T | undefined; error: string | undefined; trigger: () => void } {
  const [value, setValue] = useState<T>();
  const [error, setError] = useState<string>();
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const run = useRef(fn);
  run.current = fn;
  const load = () => {
    run.current().then((v) => { setValue(v); setError(undefined); }, (err: unknown) => setError(err instanceof Error ? err.message : String(err)));
  };
  useEffect(() => {
    load();
    return () => clearTimeout(timer.current);
  }, deps);
  const trigger = () => {
    if (timer.current !== undefined) return;
    timer.current = setTimeout(() => {
      timer.current = undefined;
      load();
    }, ms);
  };
  return { value, error, trigger };
}
