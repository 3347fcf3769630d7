# syntax=docker/dockerfile:1
# Zastava: `stella serve` (the admission webhook and the /api/v1 service) on Node.js 24 LTS.
# Node 24 runs the TypeScript sources directly (type stripping), so there is no build stage: the first
# stage only installs production dependencies, the second copies them beside the sources.

FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: no production dependency needs an install script; the `node` dev dependency (which has
# one) is omitted anyway.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY src ./src
# The image's `node` user (uid 1000); the chart also sets runAsNonRoot and a read-only root filesystem.
USER 1000:1000
ENTRYPOINT ["node", "/app/bin/stella.js"]
CMD ["serve"]
