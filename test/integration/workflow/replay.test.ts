import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { createDataConverter } from '../../../src/temporal/data-converter';
import { parsePayloadKeys } from '../../../src/temporal/payload-codec';
import { workerTracingOptions } from '../../../src/temporal/tracing';
import { workflowsPath } from '../../../src/temporal/worker';
import { testPayloadKeys } from '../../helpers/test-stack';
import { replayHistoriesDir, replayPayloadKeys, testLogger } from './workflow-helpers';
import { installRuntimeLogger } from '../../../src/temporal/runtime-logger';

/**
 * Acceptance 8 (replay): every history committed under test/replay/histories/ replays against the
 * current workflow code. A DeterminismViolationError here means a change would break workflows
 * that are already running: guard it with `patched()` or worker versioning instead
 * (docs/workflow.md, "Changing the workflow safely").
 *
 * The replaying worker has the service's data converter (payload codec and encoded failures), as
 * every worker does: histories recorded before the codec hold plain payloads, which must still decode;
 * histories recorded since are encrypted with the committed replay key (RECORD_REPLAY_HISTORY=1).
 * It also has the tracing interceptors every worker bundles: histories recorded before them replay untraced.
 */
describe('replay of recorded histories', async () => {
  installRuntimeLogger(testLogger());
  const files = (await readdir(replayHistoriesDir)).filter((file) => file.endsWith('.json')).sort();

  it('has histories to replay', () => {
    expect(files.length).toBeGreaterThanOrEqual(2);
  });

  it.each(files)('%s replays without non-determinism', async (file) => {
    const json: unknown = JSON.parse(await readFile(path.join(replayHistoriesDir, file), 'utf8'));
    // JSON from `temporal workflow show --output json`; the SDK converts it (protobufjs 8 is a direct
    // dependency so @temporalio/common and @temporalio/proto share one copy, which that needs).
    // A fresh current key, and the replay key histories recorded with the codec were encrypted with.
    const dataConverter = createDataConverter(parsePayloadKeys(`${testPayloadKeys()},${replayPayloadKeys}`));
    await Worker.runReplayHistory({ workflowsPath, replayName: file, dataConverter, ...workerTracingOptions(undefined, { bundled: false }) }, json);
  });
});
