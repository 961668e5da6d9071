// The image's HEALTHCHECK: liveness of the process in this container, the API on PORT or a worker
// on WORKER_HEALTH_PORT. Plain fetch, no settings parsing: it must work whatever else is wrong.
const port = process.env.WORKER_HEALTH_PORT ?? process.env.PORT ?? '3000';
fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2_000) }).then(
  (response) => process.exit(response.ok ? 0 : 1),
  () => process.exit(1),
);
