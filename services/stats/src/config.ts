import { BaseConfig } from '@fluxplane/service-kit';

export const StatsConfig = BaseConfig.extend({
  HTTP_PORT: BaseConfig.shape.HTTP_PORT.default(16140),
});
export type StatsConfig = ReturnType<typeof StatsConfig.parse>;
