# Finance Bot's container image: `financebot serve` unless told otherwise (README, "Deployment").
#
#   docker build -t financebot .
#   docker run --rm -p 8080:8080 -v financebot-demo:/data financebot demo
#   docker run --rm --env-file .env financebot migrate
#   docker run -d --env-file .env -p 8080:8080 financebot
#
# tests/test_dockerfile.py checks this file against the code (entry points, what is copied,
# the user, the health check); it needs no Docker.

# Bookworm's slim image has the time zone database (Debian 12 marks tzdata required).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: the wheel of Finance Bot and of every dependency --------------------------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY core core
COPY models models
COPY sync sync
COPY handlers handlers
COPY web web
COPY bot bot
COPY migrations migrations
RUN pip wheel --wheel-dir /wheels .

# --- run: the wheels installed into a clean image, run as a user without privileges ---------
FROM ${PYTHON_IMAGE}
ENV PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    WEB_HOST=0.0.0.0 \
    WEB_PORT=8080
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links /wheels financebot \
    && useradd --system --uid 10001 --user-group --home-dir /data --no-create-home financebot \
    && mkdir /data && chown financebot:financebot /data
# The demo's data (demo-data/) and a SQLite DATABASE_URL's relative path land in /data.
WORKDIR /data
VOLUME ["/data"]
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=90s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('WEB_PORT', '8080'), timeout=4)"]
ENTRYPOINT ["financebot"]
CMD ["serve"]
