# Production image for the API, the worker and the migration job (one image, three commands).
# Build stage: dev dependencies compile the entry points and bundle the workflow code (npm run build).
FROM node:24-bookworm-slim AS build
WORKDIR /app
# patches/ is applied by the postinstall script (patch-package).
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build

# Runtime stage: production dependencies and the build output only; no tsx, no webpack at start-up.
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
ENV HOST=0.0.0.0 PORT=3000 TEMPORAL_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js
EXPOSE 3000
# Liveness of whichever process runs: the API on PORT, a worker on WORKER_HEALTH_PORT.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "dist/cli/healthcheck.js"]
CMD ["node", "dist/cli/api.js"]
