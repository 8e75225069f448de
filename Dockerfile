# syntax=docker/dockerfile:1
# 民情地图 service image: API (/api, /docs) and dashboard (/) on several uvicorn workers.
#
#   docker build -t minqing .
#   docker run --env-file .env -p 8000:8000 -v minqing-runtime:/var/lib/minqing minqing
#   docker run --env-file .env -v minqing-runtime:/var/lib/minqing minqing backup /var/lib/minqing/b.zip
#
# The entry point is the `minqing` command; the default command serves on two workers.
# Settings are MINQING_* variables (README, Configuration); docker-compose.yml sets them.

# --- build: the project and every dependency as wheels -------------------------------
FROM python:3.11-slim AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY api ./api
COPY dashboard ./dashboard
COPY geo ./geo
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

# --- runtime: the wheels installed offline, no compiler, no build files --------------
FROM python:3.11-slim AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MINQING_HOST=0.0.0.0 \
    MINQING_PORT=8000 \
    MINQING_RUNTIME_DIR=/var/lib/minqing \
    MINQING_DATA_DIR=/app/data

RUN groupadd --system --gid 10001 minqing \
    && useradd --system --uid 10001 --gid minqing --home-dir /var/lib/minqing \
       --no-create-home --shell /usr/sbin/nologin minqing \
    && mkdir -p /var/lib/minqing \
    && chown minqing:minqing /var/lib/minqing

RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links=/wheels /wheels/minqing-*.whl

WORKDIR /app
COPY data ./data

# The SQLite file (when no MINQING_DATABASE_URL is set), photos and the signing key.
VOLUME ["/var/lib/minqing"]
USER 10001:10001
EXPOSE 8000

# /healthz answers 200 only when the store answers; urllib raises on any other status.
# 127.0.0.1 must stay in MINQING_TRUSTED_HOSTS (the default) unless MINQING_PUBLIC_URL is set.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('MINQING_PORT', '8000'), timeout=4)"]

ENTRYPOINT ["minqing"]
CMD ["serve", "--workers", "2"]
