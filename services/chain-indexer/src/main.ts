import 'reflect-metadata';
import { createLogger, fatal, loadConfig, startService } from '@fluxplane/service-kit';
import { IndexerConfig } from './config';
import { ChainIndexerModule } from './app.module';

async function main() {
  const config = loadConfig(IndexerConfig);
  const logger = createLogger('chain-indexer', config.LOG_LEVEL);
  await startService({ module: ChainIndexerModule.forRoot(config, logger), config, logger }).catch((err) => fatal(err, logger));
}

main().catch((err) => fatal(err));
