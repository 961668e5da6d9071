import type { Catalog } from './catalog';
import type { Counters } from './counters';
import type { FaultRegistry } from './faults';
import type { LookStore } from './look-store';
import type { EmulatorSeed } from './seed-schema';
import type { TokenStore } from './tokens';

/** Everything request handlers share: one instance per running emulator. */
export interface EmulatorEnv {
  seed: EmulatorSeed;
  catalog: Catalog;
  looks: LookStore;
  tokens: TokenStore;
  counters: Counters;
  faults: FaultRegistry;
  credentials: { clientId: string; clientSecret: string };
  /** Clock for "today"-relative data and ran_at; token expiry uses the real clock. */
  now: () => Date;
  /** The emulator's own base URL (no /api/4.0). */
  baseUrl: () => string;
}
