import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { DevChain, startDevchainServer, type RunningDevchain } from '@fluxplane/devchain';
import { createLogger, loadConfig, startService } from '@fluxplane/service-kit';
import { eventStoreFixture, freePort, getReply, waitUntil, type EventStoreWithDatabaseFixture } from '@fluxplane/testkit';
import { IndexerConfig } from '../../chain-indexer/src/config';
import { ChainIndexerModule } from '../../chain-indexer/src/app.module';
import { RegistryConfig } from '../../app-registry/src/config';
import { AppRegistryModule } from '../../app-registry/src/app.module';
import { NodeAgentConfig } from '../src/config';
import { NodeAgentModule } from '../src/app.module';

type Peer = { ip: string; port: number; nodeId: string };
type Info = {
  flux: { version: string; development: boolean; ip: string; numberOfConnectionsOut: number; numberOfConnectionsIn: number; explorerScannedHeigth: { generalScannedHeight: number } };
  node: { status: { status: string; tier?: string; ip?: string } };
  daemon: { info: { blocks: number } };
  benchmark: { status: { status: string } };
  apps: { runningapps: unknown[] };
  appsHashesTotal: number;
  hashesPresent: number;
};

/**
 * The node routes Flux's tools call on each node (FDM's node health check, fluxstats), on a real
 * node agent (real Docker engine) whose chain and app hashes come from a real chain indexer (on a
 * devchain with 12 confirmed nodes) and app registry over the bus. FDM's own criteria are asserted
 * where this network can meet them: version ≥ 8.2.0 and not a development build, more than 8
 * outgoing and more than 4 incoming peers, explorer and daemon at the chain's height.
 */
describe('FluxOS node routes of a node agent', () => {
  let fx: EventStoreWithDatabaseFixture;
  let devchain: RunningDevchain;
  let api: string;
  const dataDir = mkdtempSync(join(tmpdir(), 'node-routes-'));
  const chain = new DevChain();
  const nodes: Array<{ nodeId: string; ip: string }> = [];
  const paid = 'ef'.repeat(32);

  beforeAll(async () => {
    await new Docker({ socketPath: '/var/run/docker.sock' }).ping();
    fx = await eventStoreFixture({ database: 'noderoutes' });
    for (let i = 0; i < 12; i++) {
      const ip = `127.0.0.${70 + i}`;
      nodes.push({ nodeId: chain.registerNode({ ip, collateral: 40_000 }).nodeId, ip });
    }
    chain.generate(3);
    chain.pay({ hash: paid, amountSat: 1e8 });
    chain.generate(1);
    devchain = await startDevchainServer({ chain, host: '127.0.0.1', port: 0 });
    fx.own(devchain);
    const silent = createLogger('test', 'silent');
    const common = { NATS_URL: fx.nats.url, DATABASE_URL: fx.db.url, LOG_LEVEL: 'silent' };
    const icfg = loadConfig(IndexerConfig, { ...common, HTTP_PORT: String(await freePort()), FLUXD_RPC_URL: devchain.url, POLL_INTERVAL_MS: '100' });
    fx.own(await startService({ module: ChainIndexerModule.forRoot(icfg, silent), config: icfg, logger: silent }));
    const rcfg = loadConfig(RegistryConfig, { ...common, HTTP_PORT: String(await freePort()) });
    fx.own(await startService({ module: AppRegistryModule.forRoot(rcfg, silent), config: rcfg, logger: silent }));
    const self = nodes[0]!;
    const port = await freePort(self.ip);
    const acfg = loadConfig(NodeAgentConfig, {
      ...common, NODE_ID: self.nodeId, NODE_IP: self.ip, HTTP_PORT: String(port), DATA_DIR: dataDir, BENCH_RPC_PORT: '0', HEARTBEAT_INTERVAL_MS: '500',
    });
    fx.own(await startService({ module: NodeAgentModule.forRoot(acfg, silent), config: acfg, logger: silent }));
    api = `http://${self.ip}:${port}`;
    await waitUntil(async () => {
      const r = await getReply<{ generalScannedHeight: number }>(`${api}/explorer/scannedheight`).catch(() => undefined);
      return r?.status === 'success' && r.data.generalScannedHeight === chain.height;
    }, { what: 'chain indexed to the tip', timeoutMs: 20_000 });
  });
  afterAll(async () => {
    await fx?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers /flux/info as FluxOS does, with what FDM checks', async () => {
    // The registry projects the payment on its own schedule (after taking its projection lease).
    await waitUntil(async () => {
      const r = await getReply<Info>(`${api}/flux/info`).catch(() => undefined);
      return r?.status === 'success' && r.data.appsHashesTotal === 1;
    }, { what: 'the paid hash counted by the registry', timeoutMs: 20_000 });
    const info = await getReply<Info>(`${api}/flux/info`);
    expect(info.status).toBe('success');
    if (info.status !== 'success') return;
    const [major, minor] = info.data.flux.version.split('.').map(Number);
    expect(major! > 8 || (major === 8 && minor! >= 2)).toBe(true);
    expect(info.data.flux.development).toBe(false);
    expect(info.data.flux.ip).toBe(`${nodes[0]!.ip}:${new URL(api).port}`);
    expect(info.data.node.status).toMatchObject({ status: 'CONFIRMED', tier: 'STRATUS', ip: nodes[0]!.ip });
    expect(info.data.daemon.info.blocks).toBe(chain.height);
    expect(info.data.flux.explorerScannedHeigth).toEqual({ generalScannedHeight: chain.height });
    expect(info.data.flux.numberOfConnectionsOut).toBe(11);
    expect(info.data.flux.numberOfConnectionsIn).toBe(11);
    expect(info.data.benchmark.status).toMatchObject({ status: 'online' });
    expect(info.data.apps.runningapps).toEqual([]);
    expect(info.data).toMatchObject({ appsHashesTotal: 1, hashesPresent: 0 });
  });

  it('answers uptime, ArcaneOS, peers, the daemon and the explorer in FluxOS shapes', async () => {
    const uptime = await getReply<number>(`${api}/flux/uptime`);
    expect(uptime).toMatchObject({ status: 'success', data: expect.any(Number) });
    expect(await getReply(`${api}/flux/isarcaneos`)).toEqual({ status: 'success', data: false });

    const out = await getReply<Peer[]>(`${api}/flux/connectedpeersinfo`);
    const inc = await getReply<Peer[]>(`${api}/flux/incomingconnectionsinfo`);
    if (out.status !== 'success' || inc.status !== 'success') throw new Error('peers not answered');
    expect(out.data.length).toBeGreaterThan(8);
    expect(inc.data.length).toBeGreaterThan(4);
    for (const p of [...out.data, ...inc.data]) {
      expect(p.nodeId).not.toBe(nodes[0]!.nodeId);
      expect(nodes.find((n) => n.nodeId === p.nodeId)?.ip).toBe(p.ip);
      expect(p.port).toBe(16127);
    }

    const daemon = await getReply<{ blocks: number; headers: number; bestblockhash: string }>(`${api}/daemon/getblockchaininfo`);
    expect(daemon).toMatchObject({ status: 'success', data: { blocks: chain.height, headers: chain.height, bestblockhash: chain.tip.hash } });
    expect(await getReply(`${api}/explorer/scannedheight`)).toEqual({ status: 'success', data: { generalScannedHeight: chain.height } });
    const hashes = await getReply<Array<{ hash: string; message: boolean }>>(`${api}/apps/hashes`);
    expect(hashes).toMatchObject({ status: 'success', data: [{ hash: paid, message: false }] });
  });
});
