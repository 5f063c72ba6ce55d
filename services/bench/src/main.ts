import 'reflect-metadata';
import { createLogger, fatal, loadConfig, startService } from '@fluxplane/service-kit';
import { BenchConfig } from './config';
import { BenchModule } from './app.module';

async function main() {
  const config = loadConfig(BenchConfig);
  const logger = createLogger('bench', config.LOG_LEVEL);
  await startService({ module: BenchModule.forRoot(config, logger), config, logger }).catch((err) => fatal(err, logger));
}

main().catch((err) => fatal(err));
