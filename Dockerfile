# Subprocessor registry: the API (`registry serve`, the default) or a worker (`registry worker`).
#
# Required at run time:
#   MONGODB_URI           a MongoDB connection string (a replica set is recommended). The image
#                         has no embedded database (that needs the Go toolchain), so the
#                         container refuses to start without it.
#   REGISTRY_SECRET_KEY   high-entropy key that encrypts webhook secrets at rest
#                         (e.g. `openssl rand -base64 32`); required in production.
# All other settings are optional; see the README's configuration table.

# --- builder: install the package and its dependencies into a venv ---------------------------
FROM python:3.11-slim AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /src
COPY pyproject.toml README.md ./
COPY registry ./registry
RUN pip install .

# --- runtime: the venv only, run as an unprivileged user -------------------------------------
FROM python:3.11-slim

RUN useradd --system --uid 10001 --user-group --no-create-home --home-dir /app registry

COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
# Demo data, so `registry seed seeds/pronestor.json` works inside the container.
COPY seeds ./seeds

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    REGISTRY_ENVIRONMENT=production

USER registry
EXPOSE 8000

HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=3)"]

# Fail fast and clearly when MONGODB_URI is missing, then hand PID 1 to the command.
ENTRYPOINT ["/bin/sh", "-c", "if [ -z \"$MONGODB_URI\" ]; then echo 'registry: error: MONGODB_URI is not set (this image has no embedded database; point it at MongoDB)' >&2; exit 64; fi; exec \"$@\"", "registry-entrypoint"]
CMD ["registry", "serve", "--host", "0.0.0.0", "--port", "8000"]
