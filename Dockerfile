# syntax=docker/dockerfile:1
# gw in a container: `gw serve` on /etc/gw/gateway.yaml, SQLite on the /var/lib/gw volume, as the
# unprivileged `node` user. Build and run: README, "Docker".
#
# Two stages: better-sqlite3 is a native addon compiled by `npm ci` (a C++ toolchain the final
# image does not carry); the final stage copies the built package and its production
# dependencies. Both stages use the same Node.js image, so the addon matches the runtime's ABI.
ARG NODE_VERSION=24

FROM node:${NODE_VERSION}-bookworm-slim AS build
# Used when better-sqlite3 has no prebuilt binary for this platform and compiles from source.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /build
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
# npm ci runs `prepare` (tsc -> dist/); then only the production dependencies are kept.
RUN npm ci --no-audit --no-fund \
 && npm prune --omit=dev --no-audit --no-fund \
 && npm cache clean --force

FROM node:${NODE_VERSION}-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /build/node_modules ./node_modules
COPY --from=build /build/dist ./dist
COPY package.json LICENSE ./
COPY bin ./bin
COPY schemas ./schemas
COPY docker/gateway.yaml /etc/gw/gateway.yaml
RUN mkdir -p /etc/gw/manifests /var/lib/gw \
 && chown node:node /var/lib/gw \
 && ln -s /app/bin/gw /usr/local/bin/gw
USER node
VOLUME ["/var/lib/gw"]
EXPOSE 3000
# /healthz answers 200 while the process is up (/readyz: once a config is loaded). The image has
# no curl: Node's own fetch asks. The port is proxy.listen's of docker/gateway.yaml.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:3000/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["gw", "serve"]
CMD ["-c", "/etc/gw/gateway.yaml"]
