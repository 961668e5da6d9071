export { startLookerEmulator, type LookerEmulator, type LookerEmulatorOptions } from './server';
export { loadSeed, BUILTIN_SEEDS } from './seed-loader';
export type { EmulatorSeed, EmulatorSeedInput } from './seed-schema';
export type { EmulatorControl } from './control';
export type { EmulatorCounters } from './counters';
export type { Fault, FaultInput, RouteMatcher } from './faults';
export type { CellValue, Row } from './types';
export { connectEmulatorControl, ControlRequestError, type RemoteEmulatorControl } from './control-client';
