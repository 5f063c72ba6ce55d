import 'reflect-metadata';
import { createLogger, fatal, loadConfig, startService } from '@fluxplane/service-kit';
import { DomainManagerConfig } from './config';
import { DomainManagerModule } from './app.module';

async function main() {
  const config = loadConfig(DomainManagerConfig);
  const logger = createLogger('domain-manager', config.LOG_LEVEL);
  await startService({ module: DomainManagerModule.forRoot(config, logger), config, logger }).catch((err) => fatal(err, logger));
}

main().catch((err) => fatal(err));
