import { X509Certificate } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { certFileName, isCertifiableName } from '../domain/cert-names';
import type { StoredCertificate } from '../domain/cert-plan';
import { readIfExists, writeFileAtomic } from './atomic-file';

/** A stored certificate with its PEM (chain, then key) and the file HAProxy loads it from. */
export interface CertificateFile extends StoredCertificate {
  file: string;
  pem: string;
  issuer: string;
}

/** HAProxy prints serials in uppercase hex without leading zeros; Node may keep them. */
export function normalizeSerial(serial: string): string {
  return serial.trim().toUpperCase().replace(/^0+(?=.)/, '');
}

/**
 * Certificates as files under the certificate directory, `<name>.pem` (the chain, then the private
 * key, mode 600): the same files HAProxy's crt-list names, so they are both the store that keeps a
 * restart from issuing again and what a reload or restart of HAProxy loads. Also the ACME account
 * key (`account.key`).
 */
export class CertificateStore {
  constructor(readonly dir: string) {}

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
  }

  fileOf(name: string): string {
    return join(this.dir, certFileName(name));
  }

  /** Every readable certificate in the directory; files that do not parse are skipped (and named). */
  async list(): Promise<{ certificates: CertificateFile[]; unreadable: string[] }> {
    const certificates: CertificateFile[] = [];
    const unreadable: string[] = [];
    for (const entry of (await readdir(this.dir)).sort()) {
      if (!entry.endsWith('.pem')) continue;
      const name = entry.slice(0, -'.pem'.length);
      if (!isCertifiableName(name)) continue;
      try {
        certificates.push(parseCertificateFile(name, this.fileOf(name), await readFile(this.fileOf(name), 'utf8')));
      } catch {
        unreadable.push(entry);
      }
    }
    return { certificates, unreadable };
  }

  /** Stores a new certificate for `name` (replacing the old one atomically) and returns it parsed. */
  async save(name: string, chainPem: string, keyPem: string): Promise<CertificateFile> {
    const pem = `${pemBlocks(chainPem).join('\n')}\n${pemBlocks(keyPem).join('\n')}\n`;
    const parsed = parseCertificateFile(name, this.fileOf(name), pem);
    await writeFileAtomic(this.fileOf(name), pem, 0o600);
    return parsed;
  }

  /** The ACME account key, created by `create` on first use and kept. */
  async accountKey(create: () => Promise<string>): Promise<string> {
    const path = join(this.dir, 'account.key');
    const existing = await readIfExists(path);
    if (existing) return existing;
    const key = await create();
    await writeFileAtomic(path, key, 0o600);
    return key;
  }
}

/** The PEM blocks of a text, without blank lines (HAProxy's CLI payload ends at the first blank line). */
export function pemBlocks(text: string): string[] {
  return [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g)].map((m) => m[0].split(/\r?\n/).filter((l) => l.trim()).join('\n'));
}

export function parseCertificateFile(name: string, file: string, pem: string): CertificateFile {
  const blocks = pemBlocks(pem);
  const leafPem = blocks.find((b) => b.startsWith('-----BEGIN CERTIFICATE-----'));
  if (!leafPem) throw new Error(`${file}: no certificate in it`);
  if (!blocks.some((b) => /-----BEGIN (RSA |EC )?PRIVATE KEY-----/.test(b))) throw new Error(`${file}: no private key in it`);
  const leaf = new X509Certificate(leafPem);
  if (!leaf.checkHost(name)) throw new Error(`${file}: the certificate does not name ${name}`);
  return {
    name, file, pem: `${blocks.join('\n')}\n`,
    serial: normalizeSerial(leaf.serialNumber),
    issuer: leaf.issuer.replace(/\n/g, ', '),
    notBefore: new Date(leaf.validFrom),
    notAfter: new Date(leaf.validTo),
  };
}
