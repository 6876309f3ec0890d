# AiWorker, the bot: webhook server and workers (`aiworker start`), or one of them
# (`docker run … IMAGE node bin/aiworker.js serve|worker|migrate|doctor`).
# Build from the repository root:  docker build -t registry.example.com/aiworker:1 .
#
# The bot runs its TypeScript through tsx, a production dependency, so the image holds the
# sources and the production node_modules, nothing compiled. It runs as uid 1000 with tini as
# PID 1 and writes only below /tmp (tsx's compile cache; the local agent runner's run
# directories), so a read-only root filesystem works with a writable /tmp.

# node 20.18.1 on Debian bookworm-slim, pinned to the multi-platform index digest of
# node:20-bookworm-slim. To move on: docker buildx imagetools inspect node:20-bookworm-slim
ARG NODE_IMAGE=node:20-bookworm-slim@sha256:fb4ade9b03a5ae50a8e50dd69eec34b7cae14b40ff3b1e42541d7166bd464bdf

FROM ${NODE_IMAGE} AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production \
    PORT=8080
WORKDIR /app
COPY --from=dependencies /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY bin ./bin
COPY src ./src
# Migrations, applied at start and by `aiworker migrate`.
COPY drizzle ./drizzle

# The base image's "node" user; numeric, so Kubernetes can verify runAsNonRoot.
USER 1000:1000
EXPOSE 8080
# /healthz answers while the process is up; it checks no dependency, so an outage of MariaDB or
# Redis does not get the container restarted (that is /readyz's job).
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# tini reaps zombies and forwards SIGTERM, so the bot's graceful shutdown runs on `docker stop`.
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "bin/aiworker.js", "start"]
