import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { EncryptionKeys } from '../crypto/secret-box';
import type { Logger } from '../logger';
import type { Tracing } from '../telemetry/tracing';
import { createDataConverter } from './data-converter';
import { installRuntimeLogger } from './runtime-logger';
import { clientTracingInterceptors } from './tracing';

export interface TemporalSettings {
  address: string;
  namespace: string;
  /** Temporal Cloud API key; implies TLS. */
  apiKey?: string;
  /** TEMPORAL_PAYLOAD_KEYS: encrypt what the client sends and decrypt what it reads. */
  payloadKeys: EncryptionKeys;
}

/** One client per process, as the SDK recommends; connecting fails fast with the address named. */
export async function connectTemporalClient(settings: TemporalSettings, tracing?: Tracing): Promise<{ client: Client; close(): Promise<void> }> {
  const connection = await Connection.connect({
    address: settings.address,
    ...(settings.apiKey ? { apiKey: settings.apiKey, tls: true } : {}),
    connectTimeout: '10 seconds',
  }).catch((error: unknown) => {
    throw new Error(`TEMPORAL_ADDRESS: cannot reach Temporal at ${settings.address} (${error instanceof Error ? error.message : String(error)})`);
  });
  const client = new Client({
    connection,
    namespace: settings.namespace,
    dataConverter: createDataConverter(settings.payloadKeys),
    interceptors: clientTracingInterceptors(tracing),
  });
  return { client, close: () => connection.close() };
}

export async function connectWorkerConnection(
  settings: Omit<TemporalSettings, 'payloadKeys'>,
  logger?: Logger,
  telemetry?: { sdkMetricsPort?: number },
): Promise<NativeConnection> {
  if (logger) installRuntimeLogger(logger, telemetry);
  return NativeConnection.connect({
    address: settings.address,
    ...(settings.apiKey ? { apiKey: settings.apiKey, tls: true } : {}),
  }).catch((error: unknown) => {
    throw new Error(`TEMPORAL_ADDRESS: cannot reach Temporal at ${settings.address} (${error instanceof Error ? error.message : String(error)})`);
  });
}
