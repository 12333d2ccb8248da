# syntax=docker/dockerfile:1
# outagewatch: multi-stage image.
#   docker build -t outagewatch .
#   docker run -p 8080:8080 -v outagewatch-data:/data outagewatch
# The build stage has the full toolchain (better-sqlite3 compiles from source); the runtime stage gets only
# the compiled program, runtime dependencies and the files it reads at run time (migrations, seeds, assets).

FROM node:24-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# compile the native SQLite binding here rather than downloading a prebuilt one
ENV npm_config_build_from_source=true
# dependencies first (cached while only sources change); scripts run after the sources are in place
COPY package.json package-lock.json .npmrc ./
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3
COPY tsconfig.json tsconfig.build.json ./
COPY core ./core
COPY collectors ./collectors
COPY db ./db
COPY services ./services
COPY dashboards ./dashboards
RUN npm run build
# the runtime tree: package.json, production node_modules, dist/, and every non-TypeScript file under the
# source folders (db/migrations/*.sql, db/seeds/, dashboards/public/, data files read via packageRoot())
RUN npm prune --omit=dev --no-audit --no-fund \
 && mkdir -p /runtime \
 && cp -a package.json node_modules dist /runtime/ \
 && find core collectors db services dashboards -type f \( -path 'dashboards/public/*' -o ! -name '*.ts' \) -exec cp --parents {} /runtime/ \;

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    OUTAGEWATCH_DB=/data/outagewatch.db \
    OUTAGEWATCH_HOST=0.0.0.0 \
    OUTAGEWATCH_PORT=8080
WORKDIR /app
# code owned by root and read-only for the service user; only /data is writable
COPY --from=build /runtime/ /app/
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
# the slim image has no curl: ask node itself
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.OUTAGEWATCH_PORT || 8080) + '/api/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/services/cli.js", "start"]
