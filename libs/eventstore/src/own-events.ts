import { hash } from 'node:crypto';

/** Digests kept at most: far more than appends in flight plus a projection's lag in a burst. */
const DEFAULT_CAPACITY = 32_768;

/**
 * The content digests (SHA-256) of the events this process appended, so a projection of the same
 * process can recognise them when the stream delivers them back and not validate them a second
 * time: every event is validated when it is made (`makeEvent`), and the scheduler reads back each of
 * its own placements (~10 us of schema checks per event in a burst of thousands a second). Only the
 * exact bytes that were published match; anything else (another writer's event, the same id with
 * other content) is validated as usual. Bounded: the oldest digests go first; a digest is forgotten
 * once matched.
 */
export class OwnEvents {
  private readonly digests = new Set<string>();

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  /** Remembers an event's serialised form: the bytes published, which the stream stores and delivers. */
  remember(payload: Uint8Array): void {
    this.digests.add(hash('sha256', payload, 'base64'));
    if (this.digests.size > this.capacity) {
      // A Set iterates in insertion order: the first is the oldest.
      this.digests.delete(this.digests.values().next().value!);
    }
  }

  /** True (and forgotten) when `payload` is exactly an event this process appended. */
  take(payload: Uint8Array): boolean {
    if (this.digests.size === 0) return false;
    return this.digests.delete(hash('sha256', payload, 'base64'));
  }

  get size(): number {
    return this.digests.size;
  }
}
