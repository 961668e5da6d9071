import type { Scenario } from '../scenario';
import { apiKill } from './api-kill';
import { lookerFaults } from './looker-faults';
import { postgresRestart } from './postgres-restart';
import { temporalRestart } from './temporal-restart';
import { workerKills } from './worker-kills';

/** The fault suite's scenarios, in the order they run; a new scenario is one more module here. */
export const scenarios: readonly Scenario[] = [postgresRestart, temporalRestart, workerKills, lookerFaults, apiKill];
