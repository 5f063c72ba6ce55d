import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { z } from 'zod';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { defineQuery } from '@fluxplane/contracts';
import { busConnectOptions, generateBusAuth, type GeneratedAuth } from '@fluxplane/bus-auth';
import { EventStore } from '@fluxplane/eventstore';
import { BaseConfig, call, ConfigError, createLogger, loadConfig, Responder, ServiceKitModule, startService } from '@fluxplane/service-kit';
import { startConfiguredNats, type ConfiguredNats } from '@fluxplane/testkit';

/** A service started with its identity's env file on a NATS server with the generated permissions. */
describe('a service with its bus identity', () => {
  const summary = defineQuery('qry.stats.summary', z.object({}).passthrough(), z.object({ replica: z.string() }));
  let dir: string;
  let auth: GeneratedAuth;
  let nats: ConfiguredNats;
  const apps: NestFastifyApplication[] = [];
  let gateway: EventStore;

  const envOf = (name: string) => Object.fromEntries(readFileSync(join(dir, 'auth', `${name}.env`), 'utf8').trim().split('\n').map((l) => l.split('=', 2) as [string, string]));

  const startReplica = async (replica: string) => {
    const config = loadConfig(BaseConfig, { ...envOf('stats'), HTTP_PORT: '0', NATS_URL: nats.url, LOG_LEVEL: 'silent' });
    const logger = createLogger('stats', 'silent');
    @Injectable()
    class Queries implements OnModuleInit {
      constructor(private readonly responder: Responder) {}
      onModuleInit() { this.responder.serve(summary, () => ({ replica })); }
    }
    @Module({ imports: [ServiceKitModule.forRoot({ name: 'stats', config, logger })], providers: [Queries] })
    class StatsLike {}
    apps.push(await startService({ module: StatsLike, config, logger }));
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fp-bus-identity-'));
    auth = generateBusAuth({ dir: join(dir, 'auth'), nodes: [] });
    nats = await startConfiguredNats({
      config: (port, d) => `listen: 127.0.0.1:${port}\njetstream { store_dir: ${JSON.stringify(join(d, 'js'))} }\ninclude ${JSON.stringify(relative(d, auth.configFile))}\n`,
    });
    const gw = auth.identities.find((i) => i.name === 'gateway')!;
    gateway = await EventStore.connect({ servers: nats.url, connectOptions: busConnectOptions({ nkeySeedFile: gw.seedFile, inboxPrefix: gw.inboxPrefix }) });
  });

  afterAll(async () => {
    for (const app of apps) await app.close().catch(() => undefined);
    await gateway?.close();
    await nats?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to start with a seed file that is missing or is not a seed, naming the variable', () => {
    expect(() => loadConfig(BaseConfig, { HTTP_PORT: '1', NATS_NKEY_SEED: join(dir, 'nope.nk') })).toThrow(ConfigError);
    expect(() => loadConfig(BaseConfig, { HTTP_PORT: '1', NATS_NKEY_SEED: join(dir, 'nope.nk') })).toThrow(/NATS_NKEY_SEED: cannot read the nkey seed file/);
    expect(() => loadConfig(BaseConfig, { HTTP_PORT: '1', NATS_NKEY_SEED: auth.configFile })).toThrow(/NATS_NKEY_SEED: .* does not hold a NATS user nkey seed/);
    expect(() => loadConfig(BaseConfig, { HTTP_PORT: '1', NATS_INBOX_PREFIX: '_INBOX.>' })).toThrow(/NATS_INBOX_PREFIX/);
   });

  it("accepts the inbox prefix the generator writes for a node whose id is a collateral outpoint (txid:n)", () => {
    const nodeId = `${'ab'.repeat(32)}:0`;
    const generated = generateBusAuth({ dir: join(dir, 'outpoint'), nodes: [{ nodeId, ip: '127.0.0.9' }] });
    const node = generated.identities.find((i) => i.identity.kind === 'node-agent')!;
    const config = loadConfig(BaseConfig, { HTTP_PORT: '1', NATS_NKEY_SEED: node.seedFile, NATS_INBOX_PREFIX: node.inboxPrefix });
    expect(config.NATS_INBOX_PREFIX).toBe(`_INBOX.node-${nodeId}`);
  });

  it('two replicas started from the env file answer the gateway in turn (one queue group)', async () => {
    await startReplica('r1');
    await startReplica('r2');
    const answered = new Set<string>();
    for (let i = 0; i < 40 && answered.size < 2; i++) answered.add((await call(gateway.nc, summary, {}, 5_000)).replica);
    expect(answered).toEqual(new Set(['r1', 'r2']));
  });
});
