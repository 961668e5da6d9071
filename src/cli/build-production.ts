import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { build } from 'esbuild';
import { projectRoot } from '../local/paths';
import { failureConverterPath } from '../temporal/data-converter';
import { workflowInterceptorModules } from '../temporal/tracing';
import { workflowsPath } from '../temporal/worker';
import { runMain } from './run-main';

/**
 * The production build (docs/operations.md, "Production image"): each entry point bundled into
 * plain JavaScript with its npm dependencies left external, and the workflow code bundled once, so
 * neither tsx nor webpack runs when a container starts.
 */
// An output folder other than dist/ (tests) must sit inside the project, where node_modules resolves.
const outDir = path.resolve(process.argv[2] ?? path.join(projectRoot, 'dist'));
const entryPoints = ['api', 'worker', 'migrate', 'healthcheck'].map((name) => path.join(projectRoot, 'src/cli', `${name}.ts`));

runMain(async () => {
  const progress = (message: string) => process.stdout.write(`[build] ${message}\n`);
  await rm(outDir, { recursive: true, force: true });
  await build({
    entryPoints,
    outdir: path.join(outDir, 'cli'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    tsconfig: path.join(projectRoot, 'tsconfig.json'),
    logLevel: 'warning',
  });
  progress(`entry points: ${entryPoints.map((entry) => path.basename(entry, '.ts')).join(', ')} → dist/cli/`);
  // Files the bundled modules find next to themselves (their import.meta.url is now dist/cli/).
  await cp(path.join(projectRoot, 'src/db/migrations'), path.join(outDir, 'cli/migrations'), { recursive: true });
  await cp(path.join(projectRoot, 'src/console/assets'), path.join(outDir, 'cli/assets'), { recursive: true });
  await cp(failureConverterPath, path.join(outDir, 'cli/failure-converter.js'));
  progress('migrations, console assets and the failure converter copied');
  // The workflow sandbox gets the same failure converter as the clients, or failures would not decode,
  // and the same interceptors as a worker that bundles at start-up (tracing).
  const { code } = await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules, failureConverterPath, logger: new DefaultLogger('WARN') });
  await mkdir(outDir, { recursive: true });
  await writeFile(path.join(outDir, 'workflow-bundle.js'), code);
  progress(`workflow bundle → dist/workflow-bundle.js (${Math.round(code.length / 1024)} KiB)`);
});
