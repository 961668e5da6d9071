import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Logger } from '../logger';
import { installRuntimeLogger } from './runtime-logger';

export interface TemporalSettings {
  address: string;
  namespace: string;
  /** Temporal Cloud API key; implies TLS. */
  apiKey?: string;
}

/** One client per process, as the SDK recommends; connecting fails fast with the address named. */
export async function connectTemporalClient(settings: TemporalSettings): Promise<{ client: Client; close(): Promise<void> }> {
  const connection = await Connection.connect({
    address: settings.address,
    ...(settings.apiKey ? { apiKey: settings.apiKey, tls: true } : {}),
    connectTimeout: '10 seconds',
  }).catch((error: unknown) => {
    throw new Error(`TEMPORAL_ADDRESS: cannot reach Temporal at ${settings.address} (${error instanceof Error ? error.message : String(error)})`);
  });
  return { client: new Client({ connection, namespace: settings.namespace }), close: () => connection.close() };
}

export async function connectWorkerConnection(settings: TemporalSettings, logger?: Logger): Promise<NativeConnection> {
  if (logger) installRuntimeLogger(logger);
  return NativeConnection.connect({
    address: settings.address,
    ...(settings.apiKey ? { apiKey: settings.apiKey, tls: true } : {}),
  }).catch((error: unknown) => {
    throw new Error(`TEMPORAL_ADDRESS: cannot reach Temporal at ${settings.address} (${error instanceof Error ? error.message : String(error)})`);
  });
}
