import { Controller, Get } from '@nestjs/common';
import { CertificateManager } from '../reconcile/certificate-manager';

/** The stored certificates (expiry, renewal time, served by HAProxy or not) and failed issuances. */
@Controller()
export class CertificatesController {
  constructor(private readonly manager: CertificateManager) {}

  @Get('certificates')
  certificates() {
    return { status: 'success', data: { certificates: this.manager.status(), failures: this.manager.failuresStatus() } };
  }
}
