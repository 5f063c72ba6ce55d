import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { demoSpec, deployApp } from '@fluxplane/devnet';
import { addressFromPrivateKey, randomPrivateKey, signMessage } from '@fluxplane/flux-spec';
import { freePortOn, httpGet, waitUntil } from '@fluxplane/testkit';
import { networkForFile, ROOT } from './harness';

const DOMAIN = 'dash.fluxplane.test';
/** Debian's Chromium (scripts/test.sh installs it); playwright-core drives it, no browser download. */
const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(ROOT, 'docs');

/**
 * The dashboard in a real browser against a whole network (4 nodes, the demo app on 3 of them, one
 * spare to move an instance to): the overview shows the nodes and the app; killing a node agent
 * turns its node down on the node list and moves the app's instance on its page, both pushed over
 * the live events without a reload; the owner logs in with a ZelID signature and reads the logs.
 * Screenshots of the three pages go to docs/.
 */
describe('dashboard in Chromium', () => {
  const app = `dash${randomBytes(3).toString('hex')}`;
  const key = Buffer.from(randomPrivateKey()).toString('hex');
  const net = networkForFile({ nodeIps: ['127.51.0.1', '127.52.0.1', '127.53.0.1', '127.54.0.1'], domain: DOMAIN, app });
  let browser: Browser;
  let port: number;
  const url = (hash: string) => `${net.gatewayUrl}/dashboard/#${hash}`;
  const open = async (hash: string): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(url(hash));
    // The live events are connected: what happens from now on is pushed to the page.
    await page.locator('[data-testid=live][data-connected=true]').waitFor({ timeout: 15_000 });
    return page;
  };
  /** A page is never reloaded when this mark survives. */
  const markPage = (page: Page) => page.evaluate(() => { (globalThis as unknown as { mark: number }).mark = 1; });
  const stillSamePage = (page: Page) => page.evaluate(() => (globalThis as unknown as { mark?: number }).mark === 1);

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} missing: install Debian's chromium (bash scripts/infra/packages.sh chromium; the test command does)`);
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    port = await freePortOn(net.nodes.map((n) => n.ip));
    await deployApp({ gatewayUrl: net.gatewayUrl, devchainUrl: net.devchainUrl, spec: demoSpec(app, key, port), key });
    await waitUntil(async () => {
      const r = (await (await fetch(`${net.gatewayUrl}/apps/location/${app}`)).json()) as { data: unknown[] };
      return r.data.length === 3;
    }, { timeoutMs: 120_000, what: '3 running instances' });
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('the overview shows the nodes and the app', async () => {
    const page = await open('/');
    await expect.poll(() => page.getByTestId('nodes-total').locator('.card-value').textContent(), { timeout: 15_000 }).toBe('4');
    await expect.poll(() => page.getByTestId('nodes-up').locator('.card-value').textContent(), { timeout: 15_000 }).toBe('4');
    const row = page.locator(`[data-testid=app-row][data-app=${app}]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('3 of 3');
    await page.screenshot({ path: join(SHOTS, 'dashboard-overview.png'), fullPage: true });
    await page.close();
  }, 60_000);

  it('a killed node agent turns its node down and moves its instance, without a reload', async () => {
    const nodes = await open('/nodes');
    const appPage = await open(`/apps/${app}`);
    await nodes.locator('[data-testid=node-row][data-up=true]').nth(3).waitFor();
    await appPage.locator('[data-testid=instance-row][data-status=running]').nth(2).waitFor({ timeout: 30_000 });
    const holders = await appPage.locator('[data-testid=instance-row]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-ip')));
    const victimIndex = net.nodes.findIndex((n) => n.ip === holders[0]);
    const victim = net.nodes[victimIndex]!;
    const spare = net.nodes.find((n) => !holders.includes(n.ip))!;
    await markPage(nodes);
    await markPage(appPage);

    await net.group.stop(`node-agent-${victimIndex + 1}`, 'SIGKILL');

    await nodes.locator(`[data-testid=node-row][data-ip="${victim.ip}"][data-up=false]`).waitFor({ timeout: 60_000 });
    expect(await nodes.locator(`[data-testid=node-row][data-ip="${victim.ip}"] [data-testid=liveness]`).textContent()).toContain('down');
    await appPage.locator(`[data-testid=instance-row][data-ip="${spare.ip}"][data-status=running]`).waitFor({ timeout: 60_000 });
    await expect.poll(() => appPage.locator(`[data-testid=instance-row][data-ip="${victim.ip}"]`).count(), { timeout: 30_000 }).toBe(0);
    // The move is in the app's last events too, pushed as it was stored.
    await appPage.locator('[data-testid=app-events] li[data-type=InstanceStarted]').first().waitFor();
    expect(await stillSamePage(nodes)).toBe(true);
    expect(await stillSamePage(appPage)).toBe(true);

    await nodes.screenshot({ path: join(SHOTS, 'dashboard-nodes.png'), fullPage: true });
    await nodes.close();
    await appPage.close();
  }, 180_000);

  it('the owner logs in with a ZelID signature and reads the logs', async () => {
    // A request to one instance, so its log has a line to show (busybox httpd logs each request).
    const running = (await (await fetch(`${net.gatewayUrl}/apps/location/${app}`)).json()) as { data: Array<{ ip: string }> };
    for (const l of running.data) await httpGet(`http://${l.ip}:${port}/cgi-bin/whoami`, { timeoutMs: 3000 }).catch(() => undefined);

    const page = await open(`/apps/${app}`);
    await page.getByTestId('login-start').click();
    const phrase = (await page.getByTestId('login-phrase').textContent())!;
    await page.locator('input[name=zelid]').fill(addressFromPrivateKey(key));
    await page.locator('input[name=signature]').fill(signMessage(phrase, key));
    await page.getByTestId('login-submit').click();
    await page.getByTestId('owner-tools').waitFor({ timeout: 15_000 });
    await expect.poll(async () => (await page.getByTestId('log-text').allTextContents()).join('\n'), { timeout: 30_000 }).toContain('whoami');
    await page.screenshot({ path: join(SHOTS, 'dashboard-app.png'), fullPage: true });
    await page.close();
  }, 90_000);
});
