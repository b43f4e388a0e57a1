/** The password policy the configuration asks for. */
import type { Config } from '../config/schema';
import { createPasswordHasher, type PasswordHasher } from '../services/passwords';

export function configuredPasswordHasher(config: Config): PasswordHasher {
  return createPasswordHasher({
    minLength: config.auth['password-min-length'],
    memoryCost: config.auth['argon2-memory'],
    timeCost: config.auth['argon2-time'],
  });
}
