# The gateway and the processor as containers (docker-compose.yml): Node 20 on Debian, librdkafka
# built against Debian's libraries as ops/bootstrap.sh does, the code run by tsx like `npm run`.
FROM node:20-bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends zlib1g-dev libssl-dev libzstd-dev libsasl2-dev libcurl4-openssl-dev liblz4-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN CKJS_LINKING=dynamic npm ci --no-audit --no-fund --loglevel=error
COPY gateway gateway
COPY processor processor
COPY schemas schemas
COPY platform platform
COPY ops ops
COPY tsconfig.json ./
# docker-compose.yml picks the service: `npm run gateway` or `npm run processor`.
CMD ["npm", "run", "gateway"]
