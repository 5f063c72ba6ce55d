import { readFileSync } from 'node:fs';
import type { Provider, Type } from '@nestjs/common';
import { certDirOf, tlsRenderSettings } from '../cert-config';
import type { DomainManagerConfig } from '../config';
import { AcmeIssuer, newAccountKey } from '../adapters/acme-issuer';
import { CertificateStore } from '../adapters/cert-store';
import { HaproxyCertificates } from '../adapters/haproxy-certs';
import type { HaproxyRuntime } from '../adapters/haproxy-runtime';
import { CertificatesController } from '../api/certificates.controller';
import { CERTIFICATE_ADAPTERS, CertificateManager, type CertificateAdapters } from './certificate-manager';

/** The certificate manager's providers and controller, or nothing when certificates are off. */
export function certificateParts(config: DomainManagerConfig, runtime: HaproxyRuntime): { providers: Provider[]; controllers: Type[] } {
  const tls = tlsRenderSettings(config);
  if (!tls || !config.ACME_DIRECTORY_URL) return { providers: [], controllers: [] };
  const store = new CertificateStore(certDirOf(config));
  const adapters: CertificateAdapters = {
    store,
    haproxy: new HaproxyCertificates(runtime, tls),
    issuer: new AcmeIssuer({
      directoryUrl: config.ACME_DIRECTORY_URL,
      caPem: config.ACME_CA_FILE ? readFileSync(config.ACME_CA_FILE, 'utf8') : undefined,
      email: config.ACME_EMAIL,
      accountKey: () => store.accountKey(newAccountKey),
    }),
  };
  return { providers: [{ provide: CERTIFICATE_ADAPTERS, useValue: adapters }, CertificateManager], controllers: [CertificatesController] };
}
