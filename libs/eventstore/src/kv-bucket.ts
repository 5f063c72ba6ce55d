import { Kvm, type KV, type KvOptions } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { errorText } from '@fluxplane/observability';

/** Tries before an add the server keeps refusing as a race is taken for a real refusal. */
const RACE_TRIES = 5;

/**
 * Opens a KV bucket, creating it if missing. Services of a new deployment open the same buckets at
 * the same instant: all find none and all add one, and the server may refuse an add while another is
 * under way ("subjects overlap with an existing stream", "stream name already in use"). That bucket
 * is the one wanted: the add is tried again (an add of an existing bucket with the same settings
 * opens it) after a short pause.
 */
export async function openBucket(nc: NatsConnection, name: string, opts: Partial<KvOptions>): Promise<KV> {
  const kvm = new Kvm(nc);
  for (let attempt = 1; ; attempt++) {
    try {
      return await kvm.create(name, opts);
    } catch (err) {
      if (attempt >= RACE_TRIES || !/subjects overlap|already in use/i.test(errorText(err))) throw err;
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
    }
  }
}
