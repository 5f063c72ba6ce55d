import type { Provider } from '@nestjs/common';
import { EventStore } from '@fluxplane/eventstore';
import { CONFIG, RpcClient } from '@fluxplane/service-kit';
import type { GatewayConfig } from '../config';

/** The one RpcClient of the gateway, on the service's NATS connection, with its request timeout. */
export const RpcClientProvider: Provider = {
  provide: RpcClient,
  useFactory: (store: EventStore, config: GatewayConfig) => new RpcClient(store, config.REQUEST_TIMEOUT_MS),
  inject: [EventStore, CONFIG],
};
