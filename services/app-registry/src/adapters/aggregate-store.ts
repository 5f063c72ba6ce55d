import { Injectable } from '@nestjs/common';
import { EventStore, ConcurrencyError } from '@fluxplane/eventstore';
import { EventEnvelope, Subjects } from '@fluxplane/contracts';
import { AppState, evolve, initialAppState } from '../domain/app-aggregate';

/** Loads the app aggregate from its subject and appends decisions with optimistic concurrency. */
@Injectable()
export class AppAggregateStore {
  constructor(private readonly store: EventStore) {}

  async load(name: string): Promise<{ state: AppState; revision: number }> {
    const read = await this.store.readStream(Subjects.app(name));
    const state = read.events.reduce((s, e) => evolve(s, e.event), initialAppState());
    return { state, revision: read.revision };
  }

  /**
   * Load → decide → append, retried when another writer got in between. `decide` returns the events
   * to append (possibly none) and a result for the caller.
   */
  async transact<R>(name: string, decide: (state: AppState) => { events: EventEnvelope[]; result: R }, attempts = 5): Promise<R> {
    for (let i = 1; ; i++) {
      const { state, revision } = await this.load(name);
      const { events, result } = decide(state);
      if (events.length === 0) return result;
      try {
        await this.store.append(Subjects.app(name), events, revision);
        return result;
      } catch (err) {
        if (!(err instanceof ConcurrencyError) || i >= attempts) throw err;
      }
    }
  }
}
