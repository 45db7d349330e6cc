# The Sluice API and worker share this image; docker-compose.yml chooses the command.

# The web app is built once and served by the API as static files.
FROM node:20-bookworm-slim AS frontend
WORKDIR /frontend
COPY frontend/package.json frontend/package-lock.json frontend/.npmrc ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
COPY schema.graphql /schema.graphql
RUN npm run build

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    SLUICE_DATA_DIR=/var/lib/sluice SLUICE_FRONTEND_DIST=/app/frontend/dist
WORKDIR /app
COPY pyproject.toml constraints.txt ./
COPY api ./api
COPY core ./core
COPY schema ./schema
COPY workers ./workers
# Exact versions from constraints.txt, the same pins as local development.
RUN pip install -c constraints.txt . && useradd --system --uid 10001 sluice \
    && mkdir -p /var/lib/sluice && chown sluice /var/lib/sluice
COPY --from=frontend /frontend/dist ./frontend/dist
USER sluice
EXPOSE 8000
CMD ["uvicorn", "api.app:create_app", "--factory", "--host", "0.0.0.0", "--port", "8000", \
     "--ws", "websockets-sansio", "--ws-per-message-deflate", "false", "--no-access-log"]
