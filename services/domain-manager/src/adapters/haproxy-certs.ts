import { compare } from '../domain/desired-routes';
import type { TlsRenderSettings } from '../domain/render-config';
import { writeFileAtomic } from './atomic-file';
import { normalizeSerial } from './cert-store';
import { HaproxyRuntime, RuntimeError } from './haproxy-runtime';

export interface ServedCertificate {
  name: string;
  /** Absolute path: the name HAProxy's certificate store and crt-list know it by. */
  file: string;
  /** Chain then key, no blank lines. */
  pem: string;
  serial: string;
}

export interface ServeResult {
  /** Certificates loaded into HAProxy's store (new) or replaced in it (renewed), by name. */
  installed: string[];
  /** Entries taken out of the crt-list. */
  removed: string[];
}

/**
 * Certificates, ACME challenge answers and HTTPS redirects in a running HAProxy 2.6, without a
 * reload: the files the config names (crt-list, challenge map, redirect map, certificate files) are
 * written first, so a reload or restart at any moment loads the same state; then the running worker
 * is changed through the runtime API (`new/set/commit ssl cert`, `add/del ssl crt-list`, maps
 * replaced whole with `prepare map` / `commit map`) and read back.
 */
export class HaproxyCertificates {
  constructor(private readonly runtime: HaproxyRuntime, private readonly files: Pick<TlsRenderSettings, 'crtList' | 'challengeMap' | 'redirectMap'>) {}

  /** The files the config refers to must exist before HAProxy (or `haproxy -c`) reads it. */
  async ensureFiles(initial: { crtList: string; redirectMap: string; challengeMap: string }): Promise<void> {
    await writeFileAtomic(this.files.crtList, initial.crtList);
    await writeFileAtomic(this.files.redirectMap, initial.redirectMap);
    await writeFileAtomic(this.files.challengeMap, initial.challengeMap);
  }

  /** Answers exactly these HTTP-01 tokens (token → key authorization). */
  async setChallenges(tokens: ReadonlyMap<string, string>): Promise<void> {
    const entries = [...tokens].sort(([a], [b]) => compare(a, b));
    await writeFileAtomic(this.files.challengeMap, mapText(entries));
    await this.replaceMap(this.files.challengeMap, entries);
  }

  /**
   * Makes HAProxy serve exactly `certs` on the HTTPS frontend (and redirect their hosts' HTTP), each
   * with its given serial. Idempotent and cheap when nothing changed: it reads the live crt-list and
   * each certificate's serial, and changes only what differs.
   */
  async serve(certs: readonly ServedCertificate[]): Promise<ServeResult> {
    const sorted = [...certs].sort((a, b) => compare(a.name, b.name));
    await writeFileAtomic(this.files.crtList, sorted.map((c) => `${c.file}\n`).join(''));
    const redirects: Array<[string, string]> = sorted.map((c) => [c.name, '1']);
    await writeFileAtomic(this.files.redirectMap, mapText(redirects));

    const installed: string[] = [];
    const removed: string[] = [];
    const inStore = new Set(await this.storeFiles());
    let listed = new Set(await this.crtListFiles());
    for (const c of sorted) {
      if (!inStore.has(c.file)) {
        await this.expect(`new ssl cert ${c.file}`, /New empty certificate store/);
        await this.load(c);
        installed.push(c.name);
      } else if (normalizeSerial((await this.certInfo(c.file)).Serial ?? '') !== normalizeSerial(c.serial)) {
        await this.load(c);
        installed.push(c.name);
      }
      if (!listed.has(c.file)) await this.expect(`add ssl crt-list ${this.files.crtList} ${c.file}`, /Success!/);
    }
    const wanted = new Set(sorted.map((c) => c.file));
    for (const file of listed) {
      if (wanted.has(file)) continue;
      await this.expect(`del ssl crt-list ${this.files.crtList} ${file}`, /deleted in crtlist/);
      // Unused now: free it from the store (a reply other than success leaves it there, harmlessly).
      await this.runtime.admin(`del ssl cert ${file}`);
      removed.push(file);
    }
    await this.replaceMap(this.files.redirectMap, redirects);

    // Read back: the crt-list and every serial are what was asked for.
    listed = new Set(await this.crtListFiles());
    for (const c of sorted) {
      const serial = normalizeSerial((await this.certInfo(c.file)).Serial ?? '');
      if (!listed.has(c.file) || serial !== normalizeSerial(c.serial)) {
        throw new RuntimeError(`${c.file}: HAProxy serves serial ${serial || '-'}${listed.has(c.file) ? '' : ' (not in the crt-list)'}, not ${c.serial}`);
      }
    }
    if ([...listed].some((f) => !wanted.has(f))) throw new RuntimeError(`crt-list still has ${[...listed].filter((f) => !wanted.has(f)).join(', ')}`);
    return { installed, removed };
  }

  /** `set ssl cert` (payload: the PEM, ended by an empty line) then `commit ssl cert`: atomic for new connections. */
  private async load(c: ServedCertificate): Promise<void> {
    const pem = c.pem.split('\n').filter((l) => l.trim()).join('\n');
    await this.expect(`set ssl cert ${c.file} <<\n${pem}\n`, /Transaction (created|updated)/);
    await this.expect(`commit ssl cert ${c.file}`, /Success!/);
  }

  /** `show ssl cert`: the files in the certificate store (in use or not). */
  private async storeFiles(): Promise<string[]> {
    return listLines(await this.runtime.admin('show ssl cert'));
  }

  /** `show ssl crt-list <list>`: the certificate files of its entries (options after the path dropped). */
  private async crtListFiles(): Promise<string[]> {
    const text = await this.runtime.admin(`show ssl crt-list ${this.files.crtList}`);
    if (/not found|unknown/i.test(text) && !text.startsWith('#')) throw new RuntimeError(`show ssl crt-list ${this.files.crtList}: ${text.trim()}`);
    return listLines(text).map((l) => l.split(/\s+/)[0]!);
  }

  private async certInfo(file: string): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const line of (await this.runtime.admin(`show ssl cert ${file}`)).split('\n')) {
      const i = line.indexOf(':');
      if (i > 0) out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
    }
    return out;
  }

  /** Replaces a map's whole content atomically in the running worker, unless it already holds exactly `entries`. */
  private async replaceMap(path: string, entries: ReadonlyArray<readonly [string, string]>): Promise<void> {
    // `show map <file>` lists `<ref> <key> <value>` per entry.
    const live = listLines(await this.runtime.admin(`show map ${path}`)).map((l) => l.split(/\s+/).slice(1, 3).join(' ')).sort();
    if (live.join('\n') === entries.map(([k, v]) => `${k} ${v}`).sort().join('\n')) return;
    const created = await this.expect(`prepare map ${path}`, /New version created: \d+/);
    const version = /New version created: (\d+)/.exec(created)![1];
    for (const [k, v] of entries) await this.expect(`add map @${version} ${path} ${k} ${v}`, /^\s*$/);
    await this.expect(`commit map @${version} ${path}`, /^\s*$/);
  }

  private async expect(command: string, reply: RegExp): Promise<string> {
    const text = await this.runtime.admin(command);
    if (!reply.test(text)) throw new RuntimeError(`'${command.split('\n')[0]}' answered ${JSON.stringify(text.trim().slice(0, 300))}`);
    return text;
  }
}

function mapText(entries: ReadonlyArray<readonly [string, string]>): string {
  return entries.map(([k, v]) => `${k} ${v}\n`).join('');
}

/** Lines of a `show …` listing, without the `#` header and blank lines. */
function listLines(text: string): string[] {
  return text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}
