/**
 * Issued login phrases and sessions, in NATS JetStream KV buckets so that every gateway replica
 * sees the same ones (the gateway owns no tables). Each bucket's max age is the lifetime of what
 * it holds, so NATS drops expired entries by itself; the stored expiry is still checked on read.
 */
import { Injectable } from '@nestjs/common';
import type { KV } from '@nats-io/kv';
import { GatewayBuckets } from '@fluxplane/contracts';
import { EventStore } from '@fluxplane/eventstore';
import { PHRASE_VALID_MS, SESSION_VALID_MS } from './login-phrase';

export const PHRASES_BUCKET = GatewayBuckets.phrases;
export const SESSIONS_BUCKET = GatewayBuckets.sessions;

export interface Session { zelid: string; loginPhrase: string; createdAt: string; expireAt: string }

/** KV keys allow `[-/_=.A-Za-z0-9]`; phrases and ZelIDs that need anything else cannot be stored ones. */
const SAFE_TOKEN = /^[A-Za-z0-9]+$/;
const sessionKey = (zelid: string, phrase: string) => `${zelid}.${phrase}`;

@Injectable()
export class AuthStore {
  private buckets?: Promise<{ phrases: KV; sessions: KV }>;

  constructor(private readonly store: EventStore) {}

  private open() {
    this.buckets ??= (async () => {
      const [phrases, sessions] = await Promise.all([
        this.store.openKv(PHRASES_BUCKET, { ttl: PHRASE_VALID_MS }),
        this.store.openKv(SESSIONS_BUCKET, { ttl: SESSION_VALID_MS }),
      ]);
      return { phrases, sessions };
    })().catch((err) => {
      this.buckets = undefined; // retry on the next request
      throw err;
    });
    return this.buckets;
  }

  async savePhrase(phrase: string, createdAt: Date): Promise<void> {
    const { phrases } = await this.open();
    await phrases.create(phrase, JSON.stringify({ createdAt: createdAt.toISOString() }));
  }

  /**
   * Removes an issued phrase, once: true for the one caller that consumed it, false when it was
   * never issued, has expired, or another request (on any replica) consumed it first.
   */
  async consumePhrase(phrase: string): Promise<boolean> {
    if (!SAFE_TOKEN.test(phrase)) return false;
    const { phrases } = await this.open();
    const entry = await phrases.get(phrase);
    if (!entry || entry.operation !== 'PUT') return false;
    try {
      await phrases.delete(phrase, { previousSeq: entry.revision });
      return true;
    } catch {
      return false;
    }
  }

  async saveSession(session: Session): Promise<void> {
    const { sessions } = await this.open();
    await sessions.put(sessionKey(session.zelid, session.loginPhrase), JSON.stringify(session));
  }

  async session(zelid: string, phrase: string, now = new Date()): Promise<Session | undefined> {
    if (!SAFE_TOKEN.test(zelid) || !SAFE_TOKEN.test(phrase)) return undefined;
    const { sessions } = await this.open();
    const entry = await sessions.get(sessionKey(zelid, phrase));
    if (!entry || entry.operation !== 'PUT') return undefined;
    const session = entry.json<Session>();
    return new Date(session.expireAt) > now ? session : undefined;
  }
}
