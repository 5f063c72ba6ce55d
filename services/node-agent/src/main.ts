import 'reflect-metadata';
import { createLogger, fatal, loadConfig, startService } from '@fluxplane/service-kit';
import { NodeAgentConfig } from './config';
import { NodeAgentModule } from './app.module';

async function main() {
  const config = loadConfig(NodeAgentConfig);
  const logger = createLogger('node-agent', config.LOG_LEVEL);
  await startService({ module: NodeAgentModule.forRoot(config, logger), config, logger }).catch((err) => fatal(err, logger));
}

main().catch((err) => fatal(err));
