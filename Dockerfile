# syntax=docker/dockerfile:1
# Dependencies stage: production dependencies only. Node 24 runs the TypeScript sources directly
# (type stripping), so the image ships src/ as it is in the repository: no build step to drift.
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# `prepare` builds the dashboard; without dev dependencies it skips (the next stage builds it).
COPY dashboard/build.ts ./dashboard/
RUN npm ci --omit=dev --no-audit --no-fund

# Dashboard stage: the browser client, bundled with the dev dependencies into dashboard/dist.
FROM node:24-slim AS dashboard
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY dashboard ./dashboard
RUN node dashboard/build.ts

# Runtime stage: the sources plus pg_dump/pg_restore for tenant backups.
# pg_dump must be at least the server's major version, so the client comes from the
# PostgreSQL project's apt repository to match the postgres:17 service.
FROM node:24-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl gnupg \
 && install -d /usr/share/postgresql-common/pgdg \
 && curl -fsSL -o /usr/share/postgresql-common/pgdg/apt.postgresql.org.asc https://www.postgresql.org/media/keys/ACCC4CF8.asc \
 && echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt.postgresql.org/pub/repos/apt bookworm-pgdg main" > /etc/apt/sources.list.d/pgdg.list \
 && apt-get update \
 && apt-get install -y --no-install-recommends postgresql-client-17 \
 && apt-get purge -y curl gnupg && apt-get autoremove -y \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/var/lib/tenantry \
    BACKUP_DIR=/var/lib/tenantry/backups
COPY --from=deps /app/node_modules ./node_modules
COPY package.json crontab ./
COPY src ./src
COPY migrations ./migrations
COPY bin ./bin
COPY --from=dashboard /app/dashboard/dist ./dashboard/dist
RUN mkdir -p /var/lib/tenantry/backups && chown -R node:node /var/lib/tenantry
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "bin/tenantry.js"]
CMD ["start"]
