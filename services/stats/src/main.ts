import 'reflect-metadata';
import { createLogger, fatal, loadConfig, startService } from '@fluxplane/service-kit';
import { StatsConfig } from './config';
import { StatsModule } from './app.module';

async function main() {
  const config = loadConfig(StatsConfig);
  const logger = createLogger('stats', config.LOG_LEVEL);
  await startService({ module: StatsModule.forRoot(config, logger), config, logger }).catch((err) => fatal(err, logger));
}

main().catch((err) => fatal(err));
