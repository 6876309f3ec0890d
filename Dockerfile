# AiWorker, the bot: webhook server and workers (`aiworker start`), or one of them
# (`docker run … IMAGE node bin/aiworker.js serve|worker|migrate|doctor`).
# Build from the repository root:  docker build -t registry.example.com/aiworker:1 .
#
# Three stages: the production dependencies, the build (TypeScript compiled to dist/ with the
# dev dependencies, then thrown away), and the image, which holds the compiled code, the
# production node_modules and the migrations: no TypeScript source and no compiler. It runs as
# uid 1000 with tini as PID 1 and writes only below /tmp (the local agent runner's run
# directories), so a read-only root filesystem works with a writable /tmp.

# node 20.18.1 on Debian bookworm-slim, pinned to the multi-platform index digest of
# node:20-bookworm-slim. To move on: docker buildx imagetools inspect node:20-bookworm-slim
ARG NODE_IMAGE=node:20-bookworm-slim@sha256:fb4ade9b03a5ae50a8e50dd69eec34b7cae14b40ff3b1e42541d7166bd464bdf

FROM ${NODE_IMAGE} AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
# Type-checks, then compiles src/ to dist/ (a type error fails the image build).
RUN npm run build

FROM ${NODE_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    PORT=8080
WORKDIR /app
COPY --from=dependencies /app/node_modules ./node_modules
COPY package.json package-lock.json ./
# bin/aiworker.js runs dist/app/cli.js: there is no src/ beside it.
COPY bin ./bin
COPY --from=build /app/dist ./dist
# Migrations, applied at start and by `aiworker migrate`.
COPY drizzle ./drizzle

# The base image's "node" user; numeric, so Kubernetes can verify runAsNonRoot.
USER 1000:1000
EXPOSE 8080
# /healthz answers while the process is up; it checks no dependency, so an outage of MariaDB or
# Redis does not get the container restarted (that is /readyz's job). `aiworker worker` serves
# no HTTP: run it with --no-healthcheck (compose: healthcheck: disable: true).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# tini reaps zombies and forwards SIGTERM, so the bot's graceful shutdown runs on `docker stop`.
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "bin/aiworker.js", "start"]
