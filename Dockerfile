# The casepipe image: the worker and every CLI command. The code is TypeScript run through tsx (no
# build step); dependencies are installed from the lockfile inside the image, never into the checkout.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY bin ./bin
COPY services ./services
COPY schemas ./schemas
COPY pipelines ./pipelines
COPY infra/topics.json ./infra/topics.json
COPY tsconfig.json ./
# The CLI's bundle (bin/cli-bundle.mjs), built now: node_modules is not the runtime user's to write.
RUN node bin/casepipe.js --help > /dev/null
# Live store and snapshots; a volume in docker-compose.yml.
ENV CASEPIPE_DATA_DIR=/data
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 9464
ENTRYPOINT ["node", "--max-semi-space-size=16", "bin/casepipe.js"]
CMD ["worker"]
