import type { EventEnvelope } from '@fluxplane/contracts';

const cache = new WeakMap<EventEnvelope, string>();

/**
 * An event's JSON, computed once: the same text goes to the Postgres outbox and to JetStream (at
 * resync speed, serialising every event twice is a measurable share of the work).
 */
export function serialized(event: EventEnvelope): string {
  let text = cache.get(event);
  if (text === undefined) {
    text = JSON.stringify(event);
    cache.set(event, text);
  }
  return text;
}
