import { Inject, Injectable, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import type { Subscription } from '@nats-io/transport-node';
import { Signals, SyncStatusSignal } from '@fluxplane/contracts';
import { EventStore } from '@fluxplane/eventstore';
import { counter, errorText, LOGGER, type Logger } from '@fluxplane/service-kit';
import type { FolderSyncView } from '../domain';

const reports = counter({ name: 'fluxplane_scheduler_sync_reports_total', help: 'sig.sync reports received by the master elector', labelNames: ['outcome'] });

/**
 * The latest `sig.sync.<node>` report of every node, in memory (signals are not stored): how far
 * each node's `g:` folders are in sync, for the master election. Tells its listeners the apps whose
 * `g:` folder on some node became complete or incomplete (or was first reported), so an election
 * waiting for an eligible instance runs at once.
 */
@Injectable()
export class SyncStatusView implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly latest = new Map<string, { signal: SyncStatusSignal; seenAt: number }>();
  private readonly listeners: Array<(appKey: string) => void> = [];
  private sub?: Subscription;

  constructor(private readonly store: EventStore, @Inject(LOGGER) private readonly logger: Logger) {}

  onChange(listener: (appKey: string) => void): void {
    this.listeners.push(listener);
  }

  /** A node's latest report of the `g:` folder of (app, component); null: none. */
  folder(nodeId: string, app: string, component: string): FolderSyncView | null {
    const r = this.latest.get(nodeId);
    const f = r?.signal.folders.find((x) => x.syncMode === 'g' && same(x.app, app) && same(x.component, component));
    if (!r || !f) return null;
    return { seenAt: r.seenAt, reportAt: Date.parse(r.signal.at), lastCompleteAt: f.lastCompleteAt === null ? null : Date.parse(f.lastCompleteAt) };
  }

  /** Records a report (the subscription's handler; public for tests). */
  received(signal: SyncStatusSignal, seenAt = Date.now()): void {
    const before = this.latest.get(signal.nodeId)?.signal;
    this.latest.set(signal.nodeId, { signal, seenAt });
    const changed = new Set<string>();
    for (const f of signal.folders) {
      if (f.syncMode !== 'g') continue;
      const old = before?.folders.find((x) => x.folderId === f.folderId);
      if (!old || (old.lastCompleteAt === null) !== (f.lastCompleteAt === null)) changed.add(f.app.toLowerCase());
    }
    for (const app of changed) for (const l of this.listeners) l(app);
  }

  onApplicationBootstrap(): void {
    this.sub = this.store.nc.subscribe(Signals.syncStatuses);
    void (async () => {
      for await (const msg of this.sub!) {
        let signal: SyncStatusSignal;
        try {
          signal = SyncStatusSignal.parse(msg.json());
        } catch (err) {
          reports.inc({ outcome: 'malformed' });
          this.logger.warn({ subject: msg.subject, err: errorText(err) }, 'ignored a malformed sync status');
          continue;
        }
        // A report speaks for the node of its subject only.
        if (msg.subject !== Signals.syncStatus(signal.nodeId)) {
          reports.inc({ outcome: 'wrong-subject' });
          continue;
        }
        reports.inc({ outcome: 'ok' });
        this.received(signal);
      }
    })();
  }

  beforeApplicationShutdown(): void {
    this.sub?.unsubscribe();
  }
}

function same(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
