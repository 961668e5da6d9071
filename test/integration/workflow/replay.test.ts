import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';
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
    await Worker.runReplayHistory({ workflowsPath, replayName: file }, historyFromCliJson(json));
  });
});

/**
 * Parses `temporal workflow show --output json` into a History. The SDK's own `historyFromJSON`
 * (used when JSON is passed to runReplayHistory) fails in this install with "type must be a
 * Type": @temporalio/common and @temporalio/proto each get a private copy of protobufjs 8 because
 * @grpc/proto-loader pins protobufjs 7 at the top level. Using the protojson of the copy that
 * @temporalio/proto itself loads avoids the mismatch whatever the layout.
 */
function historyFromCliJson(json: unknown): proto.temporal.api.history.v1.History {
  const require = createRequire(import.meta.url);
  const requireFromProto = createRequire(require.resolve('@temporalio/proto'));
  const protojson = requireFromProto('protobufjs/ext/protojson') as {
    fromJson: (type: unknown, json: unknown, options: { ignoreUnknownFields: boolean }) => proto.temporal.api.history.v1.History;
  };
  // The CommonJS module object (the ESM namespace wrapper hides the protobuf root's nesting).
  const root = patchProtobufRoot(require('@temporalio/proto') as typeof proto) as unknown as { lookupType(name: string): unknown };
  return protojson.fromJson(root.lookupType('temporal.api.history.v1.History'), json, { ignoreUnknownFields: true });
}
