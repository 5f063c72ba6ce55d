import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { desiredRoutes } from './desired-routes';
import { DEFAULT_SERVER_OPTIONS, renderConfig, RenderSettings } from './render-config';
import { checkConfig } from '../adapters/config-check';
import { routingState } from './arbitraries.testkit';

const dir = mkdtempSync(join(tmpdir(), 'fp-dm-render-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const settings: RenderSettings = {
  bind: '127.0.0.1:18080',
  mapPath: join(dir, 'hosts.map'),
  adminSocket: join(dir, 'admin.sock'),
  stateFile: join(dir, 'server-state'),
  serverOptions: DEFAULT_SERVER_OPTIONS,
  cookieKey: 'test-key',
};

const demo = desiredRoutes({
  apps: [{ name: 'demo', ports: [31000] }],
  instances: [
    { app: 'demo', nodeId: 'b', ip: '127.0.0.3', ports: [31000], running: true },
    { app: 'demo', nodeId: 'a', ip: '127.0.0.2', ports: [31000], running: true },
  ],
}, 'fluxplane.test');

describe('renderConfig', () => {
  it('renders a frontend that maps the lowercased host without port, a 404 default and one backend per app port', () => {
    const { config, map } = renderConfig(demo, settings);
    expect(config).toContain(`    bind 127.0.0.1:18080\n`);
    expect(config).toContain(`    use_backend %[req.hdr(host),lower,field(1,:),map(${settings.mapPath})]\n`);
    expect(config).toContain('backend be_default\n    http-request return status 404');
    expect(config).toContain([
      'backend be_demo_31000',
      '    balance roundrobin',
      '    cookie FLUXSRV insert indirect nocache dynamic',
      '    dynamic-cookie-key test-key',
      '    server 127.0.0.2:31000 127.0.0.2:31000 check inter 500ms downinter 100ms fastinter 100ms fall 2 rise 1',
      '    server 127.0.0.3:31000 127.0.0.3:31000 check inter 500ms downinter 100ms fastinter 100ms fall 2 rise 1',
    ].join('\n'));
    expect(config).toContain(`stats socket ${settings.adminSocket} mode 600 level admin expose-fd listeners`);
    expect(map).toBe('demo.app.fluxplane.test be_demo_31000\ndemo_31000.app.fluxplane.test be_demo_31000\n');
  });

  it('leaves out checks when the options are empty', () => {
    expect(renderConfig(demo, { ...settings, serverOptions: '' }).config).toContain('    server 127.0.0.2:31000 127.0.0.2:31000\n');
  });

  it('property: deterministic, one section per backend, one map line per host', () => {
    fc.assert(fc.property(routingState, (state) => {
      const table = desiredRoutes(state, 'fluxplane.test');
      const a = renderConfig(table, settings);
      const b = renderConfig(desiredRoutes({ apps: [...state.apps].reverse(), instances: [...state.instances].reverse() }, 'fluxplane.test'), settings);
      expect(b).toEqual(a);
      for (const backend of table.backends) expect(a.config.split(`\nbackend ${backend.name}\n`)).toHaveLength(2);
      const lines = a.map.split('\n').filter(Boolean);
      expect(lines).toHaveLength(table.hosts.length);
      expect(lines).toEqual([...lines].sort());
      for (const line of lines) expect(line).toBe(line.toLowerCase());
    }));
  });

  it('property: haproxy -c accepts what it renders', async () => {
    await fc.assert(fc.asyncProperty(routingState, async (state) => {
      const { config, map } = renderConfig(desiredRoutes(state, 'fluxplane.test'), settings);
      writeFileSync(settings.mapPath, map);
      const file = join(dir, 'haproxy.cfg');
      writeFileSync(file, config);
      await checkConfig(process.env.HAPROXY_BIN ?? 'haproxy', file);
    }), { numRuns: 25 });
  });

  it('haproxy -c rejects a broken config (the check is real)', async () => {
    const file = join(dir, 'broken.cfg');
    writeFileSync(file, `${renderConfig(demo, settings).config}    nonsense-keyword\n`);
    await expect(checkConfig('haproxy', file)).rejects.toThrow(/nonsense-keyword/);
  });

  it('with certificates on: an HTTPS frontend on the crt-list, ACME answers and HTTPS redirects from maps, and haproxy -c accepts it with an empty crt-list', async () => {
    const tls = { bind: '127.0.0.1:18443', crtList: join(dir, 'crt-list'), challengeMap: join(dir, 'acme.map'), redirectMap: join(dir, 'https.map') };
    for (const f of [tls.crtList, tls.challengeMap, tls.redirectMap]) writeFileSync(f, '');
    const { config, map } = renderConfig(demo, { ...settings, tls });
    expect(config).toContain(`bind 127.0.0.1:18443 ssl strict-sni crt-list ${tls.crtList}`);
    expect(config).toContain(`lf-string "%[path,field(4,/),map(${tls.challengeMap})]"`);
    expect(config).toContain('redirect location https://%[req.hdr(host),lower,field(1,:)]:18443%[url] code 301');
    expect(renderConfig(demo, { ...settings, tls: { ...tls, bind: '127.0.0.1:443' } }).config).toContain('https://%[req.hdr(host),lower,field(1,:)]%[url]');
    // Without tls the config is what it always was.
    expect(renderConfig(demo, settings).config).not.toMatch(/fe_https|acme|redirect/);
    writeFileSync(settings.mapPath, map);
    const file = join(dir, 'tls.cfg');
    writeFileSync(file, config);
    await checkConfig(process.env.HAPROXY_BIN ?? 'haproxy', file);
  });
});
