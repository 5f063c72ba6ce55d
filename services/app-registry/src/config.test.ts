import { describe, expect, it } from 'vitest';
import { loadConfig } from '@fluxplane/service-kit';
import { RegistryConfig } from './config';

describe('registry config', () => {
  it('refuses empty numbers instead of reading them as 0', () => {
    // MESSAGE_MAX_AGE_MS= (e.g. an unset variable in a compose file) silently disabled the age check,
    // and RULES_HEIGHT_OFFSET= silently meant mainnet rules.
    expect(() => loadConfig(RegistryConfig, { MESSAGE_MAX_AGE_MS: '' })).toThrow(/MESSAGE_MAX_AGE_MS: must not be empty/);
    expect(() => loadConfig(RegistryConfig, { RULES_HEIGHT_OFFSET: '' })).toThrow(/RULES_HEIGHT_OFFSET: must not be empty/);
    expect(loadConfig(RegistryConfig, {})).toMatchObject({ HTTP_PORT: 16141, MESSAGE_MAX_AGE_MS: 3_600_000, RULES_HEIGHT_OFFSET: 0 });
    expect(loadConfig(RegistryConfig, { MESSAGE_MAX_AGE_MS: '0', RULES_HEIGHT_OFFSET: '2200000' })).toMatchObject({ MESSAGE_MAX_AGE_MS: 0, RULES_HEIGHT_OFFSET: 2_200_000 });
  });
});
