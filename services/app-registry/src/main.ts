import 'reflect-metadata';
import { createLogger, fatal, loadConfig, startService } from '@fluxplane/service-kit';
import { RegistryConfig } from './config';
import { AppRegistryModule } from './app.module';

async function main() {
  const config = loadConfig(RegistryConfig);
  const logger = createLogger('app-registry', config.LOG_LEVEL);
  await startService({ module: AppRegistryModule.forRoot(config, logger), config, logger }).catch((err) => fatal(err, logger));
}

main().catch((err) => fatal(err));
