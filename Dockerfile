# 民情地图 service: API (/api, /docs) and dashboard (/) in one process.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    MINQING_HOST=0.0.0.0 \
    MINQING_PORT=8000 \
    MINQING_RUNTIME_DIR=/var/lib/minqing \
    MINQING_DATA_DIR=/app/data

RUN useradd --system --create-home --home-dir /home/minqing minqing \
    && mkdir -p /var/lib/minqing && chown minqing /var/lib/minqing

WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY api ./api
COPY dashboard ./dashboard
COPY geo ./geo
COPY data ./data
RUN pip install .

USER minqing
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"
CMD ["minqing", "serve"]
