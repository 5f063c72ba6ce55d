/** Sequences kept at most: far more than appends in flight plus a projection's lag in a burst. */
const DEFAULT_CAPACITY = 65_536;

/**
 * The stream sequences at which JetStream stored the events this process appended, so a projection
 * of the same process can recognise them when the stream delivers them back and not validate them a
 * second time: every event is validated when it is made (`makeEvent`), and the scheduler reads back
 * each of its own placements (~10 us of schema checks per event in a burst of thousands a second).
 *
 * Why a sequence is enough: an acknowledgement that is not a duplicate says the stream stored these
 * very bytes at that sequence (JetStream never changes a payload, and a sequence is never reused
 * while the stream lives). A duplicate's sequence is another publish's message and is not
 * remembered. A delivery that outruns its acknowledgement is simply validated as usual.
 * Bounded: the oldest sequences go first; a sequence is forgotten once taken.
 */
export class OwnEvents {
  private readonly seqs = new Set<number>();

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  /** The stream stored one of this process's events, new (not a duplicate), at `seq`. */
  remember(seq: number): void {
    this.seqs.add(seq);
    if (this.seqs.size > this.capacity) {
      // A Set iterates in insertion order: the first is the oldest.
      this.seqs.delete(this.seqs.values().next().value!);
    }
  }

  /** True (and forgotten) when the message at `seq` is one this process appended. */
  take(seq: number): boolean {
    return this.seqs.size > 0 && this.seqs.delete(seq);
  }

  get size(): number {
    return this.seqs.size;
  }
}
