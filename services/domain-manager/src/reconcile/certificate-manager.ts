import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { makeEvent, Subjects } from '@fluxplane/contracts';
import { ANY, EventStore } from '@fluxplane/eventstore';
import { CONFIG, errorText, LOGGER, ReconcileLoop, SINGLE_KEY, type Logger } from '@fluxplane/service-kit';
import type { DomainManagerConfig } from '../config';
import { namesToCertify } from '../domain/cert-names';
import { planCertificates, renewAt, type CertPolicy, type IssueFailures } from '../domain/cert-plan';
import type { RouteTable } from '../domain/route-table';
import type { CertificateIssuer, ChallengeResponder } from '../adapters/acme-issuer';
import type { CertificateFile, CertificateStore } from '../adapters/cert-store';
import type { HaproxyCertificates } from '../adapters/haproxy-certs';
import { RouteApplier } from './route-applier';
import { certMetrics, initCertMetrics } from './cert-metrics';

/** The adapters the certificate manager drives, built by the module from the config. */
export interface CertificateAdapters {
  store: CertificateStore;
  issuer: CertificateIssuer;
  haproxy: HaproxyCertificates;
}
export const CERTIFICATE_ADAPTERS = Symbol('fluxplane.domain-manager.certificate-adapters');

/** Longest setTimeout Node takes (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface CertificateStatus {
  name: string;
  serial: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
  renewAt: string;
  served: boolean;
}

/**
 * Certificates for the routed names: decides (`planCertificates`, pure) which names need one issued
 * or renewed, obtains them over ACME HTTP-01 (the challenge answered by HAProxy from its challenge
 * map), stores them as files, and makes HAProxy serve them through its runtime API, without a reload.
 * Runs after every routes apply (a new app is certified as soon as it is routed), when a renewal
 * or a retry falls due, and every CERT_CHECK_INTERVAL_MS (which also re-checks what HAProxy serves).
 */
@Injectable()
export class CertificateManager implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly loop: ReconcileLoop;
  private readonly policy: CertPolicy;
  private table?: RouteTable;
  private certs?: Map<string, CertificateFile>;
  private readonly failures = new Map<string, IssueFailures & { error: string }>();
  private readonly tokens = new Map<string, string>();
  private served: string[] = [];
  private wakeTimer?: NodeJS.Timeout;
  private stopping = false;

  constructor(
    @Inject(CONFIG) private readonly config: DomainManagerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(CERTIFICATE_ADAPTERS) private readonly adapters: CertificateAdapters,
    private readonly store: EventStore,
    private readonly applier: RouteApplier,
  ) {
    this.policy = { renewBeforeMs: config.CERT_RENEW_BEFORE_S * 1000, retryMinMs: config.CERT_RETRY_MIN_MS, retryMaxMs: config.CERT_RETRY_MAX_MS };
    this.loop = new ReconcileLoop({ name: 'certificates', work: () => this.run(), debounceMs: 50, intervalMs: config.CERT_CHECK_INTERVAL_MS, logger });
    applier.onApplied(({ table }) => {
      this.table = table;
      this.loop.trigger(SINGLE_KEY);
    });
    initCertMetrics();
  }

  /**
   * Before the routes are first applied (bootstrap): the files the HAProxy config names must exist,
   * and they already list the stored certificates, so the first reload serves them.
   */
  async onModuleInit(): Promise<void> {
    await this.adapters.store.init();
    const certs = await this.loadStored();
    const now = Date.now();
    const valid = [...certs.values()].filter((c) => c.notBefore.getTime() <= now && now < c.notAfter.getTime());
    await this.adapters.haproxy.ensureFiles({
      crtList: valid.map((c) => `${c.file}\n`).join(''),
      redirectMap: '',
      challengeMap: '',
    });
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    await this.loop.stop();
  }

  /** Resolves when no run is pending or running (tests). */
  idle(): Promise<void> {
    return this.loop.idle();
  }

  status(): CertificateStatus[] {
    return [...(this.certs?.values() ?? [])].map((c) => ({
      name: c.name, serial: c.serial, issuer: c.issuer,
      notBefore: c.notBefore.toISOString(), notAfter: c.notAfter.toISOString(),
      renewAt: renewAt(c, this.policy).toISOString(), served: this.served.includes(c.name),
    }));
  }

  failuresStatus(): Array<{ name: string; failures: number; lastFailureAt: string; error: string }> {
    return [...this.failures.values()].map((f) => ({ name: f.name, failures: f.failures, lastFailureAt: f.lastFailureAt.toISOString(), error: f.error }));
  }

  private async loadStored(): Promise<Map<string, CertificateFile>> {
    if (!this.certs) {
      const { certificates, unreadable } = await this.adapters.store.list();
      if (unreadable.length) this.logger.warn({ files: unreadable }, 'certificate files that do not parse are ignored');
      this.certs = new Map(certificates.map((c) => [c.name, c]));
    }
    return this.certs;
  }

  /**
   * The names to certify: every certifiable host HAProxy routes (app names, and custom domains once
   * they are routed); names that are not routed can be fed through `namesToCertify`'s extra names.
   */
  private wantedNames(table: RouteTable): string[] {
    return namesToCertify(table);
  }

  private async run(): Promise<void> {
    // A replica standing by for a shared HAProxy (HAPROXY_LEASE) orders and installs nothing.
    if (!this.applier.driving) return;
    try {
      await this.reconcile();
    } catch (err) {
      this.wakeAt(new Date(Date.now() + Math.max(1000, this.policy.retryMinMs)));
      throw err;
    }
  }

  private async reconcile(): Promise<void> {
    // Nothing before the routes were first applied: they come from the caught-up projection (a
    // half-replayed one would take certificates off HAProxy), and HAProxy then runs the HTTPS
    // frontend and the maps this needs. The first apply triggers a run.
    if (!this.table) return;
    const certs = await this.loadStored();
    const wanted = this.wantedNames(this.table);
    const plan = () => planCertificates({ wanted, stored: [...certs.values()], failures: [...this.failures.values()], now: new Date(), policy: this.policy });
    // Serve what is valid first (a restart, a reload that raced a runtime change), then issue.
    await this.serve(plan().serve, certs);
    for (const { name, reason } of plan().issue) {
      if (this.stopping) return;
      if (await this.issue(name, reason !== 'missing')) await this.serve(plan().serve, certs);
    }
    this.wakeAt(plan().nextCheckAt);
  }

  private async issue(name: string, renewal: boolean): Promise<boolean> {
    const started = Date.now();
    try {
      const { chainPem, keyPem } = await this.adapters.issuer.issue(name, this.responder());
      const cert = await this.adapters.store.save(name, chainPem, keyPem);
      this.certs!.set(name, cert);
      this.failures.delete(name);
      certMetrics.issued.inc({ kind: renewal ? 'renewal' : 'new' });
      this.logger.info({ name, serial: cert.serial, notAfter: cert.notAfter.toISOString(), renewal, ms: Date.now() - started }, 'certificate issued');
      const subject = Subjects.certificate(name);
      await this.store.append(subject, [makeEvent('CertificateIssued', subject, {
        name, serial: cert.serial, issuer: cert.issuer, notBefore: cert.notBefore.toISOString(), notAfter: cert.notAfter.toISOString(), renewal,
      })], ANY).catch((err) => this.logger.warn({ name, err: errorText(err) }, 'CertificateIssued not appended'));
      return true;
    } catch (err) {
      const failures = (this.failures.get(name)?.failures ?? 0) + 1;
      this.failures.set(name, { name, failures, lastFailureAt: new Date(), error: errorText(err) });
      certMetrics.failures.inc();
      this.logger.warn({ name, failures, err: errorText(err) }, 'certificate not issued; retrying later');
      return false;
    } finally {
      // Whatever happened, no token of this order stays answerable.
      if (this.tokens.size) {
        this.tokens.clear();
        await this.adapters.haproxy.setChallenges(this.tokens).catch(() => undefined);
      }
    }
  }

  private responder(): ChallengeResponder {
    return {
      put: async (token, keyAuthorization) => {
        this.tokens.set(token, keyAuthorization);
        await this.adapters.haproxy.setChallenges(this.tokens);
      },
      remove: async (token) => {
        this.tokens.delete(token);
        await this.adapters.haproxy.setChallenges(this.tokens);
      },
    };
  }

  private async serve(names: string[], certs: Map<string, CertificateFile>): Promise<void> {
    try {
      const result = await this.adapters.haproxy.serve(names.map((n) => certs.get(n)!));
      this.served = names;
      certMetrics.served.set(names.length);
      if (result.installed.length) certMetrics.installs.inc(result.installed.length);
      if (result.installed.length || result.removed.length) this.logger.info(result, 'HAProxy certificates changed (runtime API, no reload)');
    } catch (err) {
      certMetrics.syncFailures.inc();
      throw err; // the loop logs it; the next trigger or periodic pass retries
    }
  }

  private wakeAt(at: Date | undefined): void {
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    if (!at || this.stopping) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, at.getTime() - Date.now()) + 10);
    if (delay >= this.config.CERT_CHECK_INTERVAL_MS) return; // the periodic pass comes first
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      this.loop.trigger(SINGLE_KEY);
    }, delay);
    this.wakeTimer.unref();
  }
}
