import type { ReactNode } from 'react';
import type { LiveEvent } from '../api';

export function Card({ label, value, testId }: { label: string; value: ReactNode; testId?: string }) {
  return (
    <div className="card" data-testid={testId}>
      <div className="card-value">{value}</div>
      <div className="card-label">{label}</div>
    </div>
  );
}

export function Badge({ ok, yes, no }: { ok: boolean; yes: string; no: string }) {
  return <span className={`badge ${ok ? 'ok' : 'bad'}`}>{ok ? yes : no}</span>;
}

export function ErrorLine({ error }: { error?: string }) {
  return error ? <p className="error" role="alert">{error}</p> : null;
}

/** A node id is a collateral outpoint (txid:index): its first and last characters are enough on screen. */
export function shortId(id: string): string {
  return id.length > 20 ? `${id.slice(0, 8)}…${id.slice(-6)}` : id;
}

/** Node ids (collateral outpoints) inside a text, shortened as `shortId` does. */
export function shortIds(text: string): string {
  return text.replace(/[0-9a-f]{64}:\d+/g, shortId);
}

/** Block events come every block: too many to list or to react to. */
export const isBlockEvent = (e: LiveEvent) => e.type === 'BlockIndexed';

/** What an event says in one line: its type and the fields a reader looks for first. */
export function eventSummary(e: LiveEvent): string {
  const d = e.data;
  const parts = [d.app ?? d.name, d.nodeId ? `node ${shortId(String(d.nodeId))}` : undefined, d.term ? `term ${String(d.term)}` : undefined, d.reason ? shortIds(String(d.reason)) : undefined]
    .filter((p) => p !== undefined && p !== '')
    .map(String);
  return parts.join(' · ');
}

export function EventList({ events, testId }: { events: LiveEvent[]; testId?: string }) {
  if (events.length === 0) return <p className="muted">no events yet</p>;
  return (
    <ol className="events" data-testid={testId}>
      {events.map((e) => (
        <li key={e.seq} data-type={e.type}>
          <span className="seq">#{e.seq}</span>
          <span className="time">{e.time.slice(11, 19)}</span>
          <span className="type">{e.type}</span>
          <span className="muted">{eventSummary(e)}</span>
        </li>
      ))}
    </ol>
  );
}

/** Keeps the newest `max` events, newest first, each sequence once. */
export function pushEvent(list: LiveEvent[], e: LiveEvent, max = 30): LiveEvent[] {
  if (list.some((x) => x.seq === e.seq)) return list;
  return [e, ...list].sort((a, b) => b.seq - a.seq).slice(0, max);
}
