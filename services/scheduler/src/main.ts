import 'reflect-metadata';
import { createLogger, fatal, loadConfig, startService } from '@fluxplane/service-kit';
import { SchedulerConfig } from './config';
import { SchedulerModule } from './app.module';

async function main() {
  const config = loadConfig(SchedulerConfig);
  const logger = createLogger('scheduler', config.LOG_LEVEL);
  await startService({ module: SchedulerModule.forRoot(config, logger), config, logger }).catch((err) => fatal(err, logger));
}

main().catch((err) => fatal(err));
