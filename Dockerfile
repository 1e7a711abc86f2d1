# The gateway and the processor as one production image (docker-compose.yml runs it twice):
#   docker build -t coupon-issuance .
#   docker run coupon-issuance                                   # the gateway
#   docker run coupon-issuance node dist/processor/main.js       # a processor
#   docker run coupon-issuance node dist/ops/provision/main.js   # topics, subjects, tables (once)
# Three stages: production dependencies with librdkafka compiled as on a developer's machine
# (Debian's libraries, CKJS_LINKING=dynamic, see ops/bootstrap.sh); the TypeScript build; and the
# runtime: Debian's shared libraries, the production node_modules and dist/, run as `node`.

# --- production dependencies: @confluentinc/kafka-javascript builds librdkafka from source here
FROM node:20-bookworm AS deps
RUN apt-get update \
 && apt-get install -y --no-install-recommends zlib1g-dev libssl-dev libzstd-dev libsasl2-dev libcurl4-openssl-dev liblz4-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN CKJS_LINKING=dynamic npm ci --omit=dev --no-audit --no-fund --loglevel=error

# --- build: the compiler and the types need every dependency, but no native build
FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
COPY tsconfig.json tsconfig.build.json ./
COPY gateway gateway
COPY processor processor
COPY schemas schemas
COPY platform platform
COPY ops ops
RUN npm run build

# --- runtime: the shared libraries librdkafka links against, no compilers, no dev dependencies
FROM node:20-bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends zlib1g libssl3 libzstd1 libsasl2-2 libcurl4 liblz4-1 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
ENV NODE_ENV=production
WORKDIR /app
# package.json says "type": "module", which the compiled files need.
COPY --chown=root:root package.json ./
COPY --from=deps --chown=root:root /app/node_modules node_modules
COPY --from=build --chown=root:root /app/dist dist
# Owned by root, run as the image's unprivileged `node` user: the code cannot rewrite itself.
USER node
EXPOSE 8080 9464
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["node", "dist/ops/run/http-check.js", "http://127.0.0.1:8080/readyz"]
CMD ["node", "dist/gateway/main.js"]
