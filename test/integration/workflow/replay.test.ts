import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowsPath } from '../../../src/temporal/worker';
import { replayHistoriesDir, testLogger } from './workflow-helpers';
import { installRuntimeLogger } from '../../../src/temporal/runtime-logger';

/**
 * Acceptance 8 (replay): every history committed under test/replay/histories/ replays against the
 * current workflow code. A DeterminismViolationError here means a change would break workflows
 * that are already running: guard it with `patched()` or worker versioning instead
 * (docs/workflow.md, "Changing the workflow safely").
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
    await Worker.runReplayHistory({ workflowsPath, replayName: file }, json);
  });
});
