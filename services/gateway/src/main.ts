import 'reflect-metadata';
import { createLogger, fatal, loadConfig, startService } from '@fluxplane/service-kit';
import { GatewayConfig } from './config';
import { GatewayModule } from './app.module';
import { configureHttp } from './http';

async function main() {
  const config = loadConfig(GatewayConfig);
  const logger = createLogger('gateway', config.LOG_LEVEL);
  await startService({
    module: GatewayModule.forRoot(config, logger),
    config,
    logger,
    bodyLimitBytes: config.BODY_LIMIT_BYTES,
    configure: (app) => configureHttp(app, config),
  }).catch((err) => fatal(err, logger));
}

main().catch((err) => fatal(err));
