# syntax=docker/dockerfile:1.7
#
# Runtime on CUDA 11.2 + cuDNN 8: the versions @tensorflow/tfjs-node-gpu 4.x links against.
# Node.js 22 LTS is copied from the official image of that major version (its binaries need
# glibc 2.28; the Ubuntu 20.04 base has 2.31). Dependencies are installed on the runtime base
# itself, so the native addon of tfjs-node-gpu is built/linked against the same glibc it runs on.
# TFJS_NODE_GPU=false builds an image without the GPU bindings (wasm/cpu only), on purpose;
# with it true (the default) a failed tfjs-node-gpu install fails the build.

ARG NODE_VERSION=22
ARG CUDA_IMAGE=nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04

FROM node:${NODE_VERSION}-bookworm-slim AS node

FROM ${CUDA_IMAGE} AS base
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app

# Full install (dev tools for the TypeScript build), then compile.
FROM base AS build
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# patches/ holds the tfjs-backend-wasm patch that lets its threaded build run under Node; npm ci
# applies it (postinstall: patch-package).
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci --include=optional
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# Production dependencies only (nsfwjs, which carries the offline catalog models, is one), with
# the native GPU bindings. npm drops an optional dependency whose install fails, so the GPU
# package is installed explicitly and its native addon checked: a failure stops the build.
FROM build AS prod-deps
ARG TFJS_NODE_GPU=true
RUN npm ci --omit=dev --include=optional \
 && if [ "$TFJS_NODE_GPU" = "true" ]; then \
      npm install --no-save --omit=dev @tensorflow/tfjs-node-gpu@4.22.0 \
      && ls node_modules/@tensorflow/tfjs-node-gpu/lib/napi-v*/tfjs_binding.node; \
    fi \
 && test -f node_modules/nsfwjs/dist/models/mobilenet_v2/model.min.js \
 && test -f node_modules/@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.node-worker.js

FROM base AS runtime
ENV NODE_ENV=production \
    DATA_DIR=/data \
    PORT=3000 \
    TFJS_BACKEND=auto \
    EMBEDDED_REDIS=false
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app \
 && mkdir -p /data && chown app:app /data
COPY --from=prod-deps --chown=app:app /app/node_modules ./node_modules
COPY --from=build --chown=app:app /app/dist ./dist
COPY --chown=app:app package.json openapi.yaml ./
USER app
VOLUME ["/data"]
EXPOSE 3000
# The API's liveness. A worker (ROLE=worker) listens on no port: docker-compose.yml overrides
# this with a check of the heartbeat file the worker keeps fresh (WORKER_HEARTBEAT_FILE).
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/server.js"]
