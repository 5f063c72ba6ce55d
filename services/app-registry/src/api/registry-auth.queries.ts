import { Inject, Injectable } from '@nestjs/common';
import { Refusal, replyIsNodes, Subjects, type RegistryAuth, type RegistryAuthQuery } from '@fluxplane/contracts';
import { EventStore } from '@fluxplane/eventstore';
import { nameKey } from '@fluxplane/flux-spec';
import { CONFIG, counter, errorText, LOGGER, type BaseConfig, type Logger, type RequestContext } from '@fluxplane/service-kit';
import { placedNodes } from '../domain/placed-nodes';
import { registryAuthFor } from '../domain/registry-auth';
import { RegistryReader } from '../projections/registry.reader';

const asked = counter({
  name: 'fluxplane_app_registry_registry_auth_total',
  help: 'Registry credentials asked for by node agents, by outcome (answered, public, refused rule)',
  labelNames: ['outcome'],
});

/**
 * `qry.app-registry.registry-auth`: a component's private registry credentials (`repoauth`) for a node
 * agent about to pull its image. Placement events are read by every node, so the credentials stay
 * here and go only to a node that holds a placement of the app now (its placement stream, read
 * whole: the truth at the time of asking, not a projection that may lag). Credentials are never logged.
 *
 * Who asks: on a bus with identities (this service runs with credentials), the reply must go to the
 * asking node's own inbox (`_INBOX.node-<id>.…`), which only that node's agent may read, so a node
 * cannot ask as another. On an open bus (the devnet) it is what the request says.
 */
@Injectable()
export class RegistryAuthQueries {
  private readonly busHasIdentities: boolean;

  constructor(
    private readonly reader: RegistryReader,
    private readonly store: EventStore,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(CONFIG) config: BaseConfig,
  ) {
    this.busHasIdentities = Boolean(config.NATS_NKEY_SEED || config.NATS_CREDS);
  }

  async registryAuth(q: RegistryAuthQuery, ctx: RequestContext = {}): Promise<RegistryAuth> {
    const log = this.logger.child({ app: q.app, component: q.component, nodeId: q.nodeId });
    try {
      if (this.busHasIdentities && !replyIsNodes(ctx.reply, q.nodeId)) {
        throw new Refusal('CallerNotNode', `registry credentials go only to node ${q.nodeId}'s own agent (its reply inbox)`);
      }
      const app = await this.reader.app(nameKey(q.app));
      const placements = await this.store.readStream(Subjects.placement(q.app));
      const auth = registryAuthFor(q, app?.active ? app.spec : undefined, placedNodes(placements.events));
      asked.inc({ outcome: auth ? 'answered' : 'public' });
      log.info({ private: auth !== null }, 'registry credentials asked for');
      return { auth };
    } catch (err) {
      asked.inc({ outcome: err instanceof Refusal ? err.rule : 'error' });
      log.warn({ err: errorText(err) }, 'registry credentials refused');
      throw err;
    }
  }
}
