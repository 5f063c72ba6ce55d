import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CertificateStore, normalizeSerial, pemBlocks } from './cert-store';

const dir = mkdtempSync(join(tmpdir(), 'fp-certstore-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A self-signed certificate for `name` and its key, made by openssl. */
function selfSigned(name: string, days = 30): { cert: string; key: string } {
  const [c, k] = [join(dir, `${name}.crt`), join(dir, `${name}.key`)];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', k, '-out', c,
    '-days', String(days), '-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${name}`], { stdio: 'ignore' });
  return { cert: readFileSync(c, 'utf8'), key: readFileSync(k, 'utf8') };
}

describe('CertificateStore', () => {
  const store = new CertificateStore(join(dir, 'certs'));

  it('saves chain + key as <name>.pem (mode 600, no blank lines) and lists it parsed', async () => {
    await store.init();
    const { cert, key } = selfSigned('demo.app.x.test');
    const saved = await store.save('demo.app.x.test', `${cert}\n\n${cert}`, key);
    expect(saved.file).toBe(join(dir, 'certs', 'demo.app.x.test.pem'));
    expect(statSync(saved.file).mode & 0o777).toBe(0o600);
    const text = readFileSync(saved.file, 'utf8');
    expect(text).not.toMatch(/\n\s*\n/);
    expect(pemBlocks(text)).toHaveLength(3);
    expect(saved.notAfter.getTime() - saved.notBefore.getTime()).toBeCloseTo(30 * 86_400_000, -5);
    const { certificates, unreadable } = await store.list();
    expect(unreadable).toEqual([]);
    expect(certificates).toEqual([saved]);
  });

  it('refuses a certificate that does not name the host, or a file without a key; skips unreadable files when listing', async () => {
    const { cert, key } = selfSigned('other.x.test');
    await expect(store.save('demo.app.x.test', cert, key)).rejects.toThrow(/does not name demo.app.x.test/);
    await expect(store.save('other.x.test', cert, '')).rejects.toThrow(/no private key/);
    writeFileSync(join(dir, 'certs', 'broken.x.test.pem'), 'garbage');
    expect((await store.list()).unreadable).toEqual(['broken.x.test.pem']);
  });

  it('keeps the ACME account key: created once, then read back', async () => {
    let made = 0;
    const create = async () => { made++; return 'KEY'; };
    expect(await store.accountKey(create)).toBe('KEY');
    expect(await store.accountKey(create)).toBe('KEY');
    expect(made).toBe(1);
  });

  it('compares serials the way HAProxy prints them', () => {
    expect(normalizeSerial('00ab12')).toBe('AB12');
    expect(normalizeSerial('0')).toBe('0');
  });
});
