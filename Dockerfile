# The same install script as `make demo` / `make test`: Debian packages, then a venv with the package.
FROM python:3.11-slim-bookworm

ENV DEBIAN_FRONTEND=noninteractive \
    OMP_THREAD_LIMIT=1 \
    PYTHONUNBUFFERED=1 \
    PREFECT_HOME=/app/.prefect \
    PREFECT_SERVER_ANALYTICS_ENABLED=false

WORKDIR /app
COPY pyproject.toml README.md Makefile ./
COPY scripts/ scripts/
COPY ocr/ ocr/
COPY flows/ flows/
# Browsers and a PostgreSQL server are only needed for the test suite (the image talks to an
# external PostgreSQL with --db postgresql+psycopg://...).
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends make \
    && WITH_BROWSER=0 WITH_POSTGRES=0 EXTRAS=dask,postgres bash scripts/install.sh \
    && rm -rf /var/lib/apt/lists/*
COPY scans/ scans/
COPY ground_truth/ ground_truth/
COPY ocr.toml ./

ENV PATH=/app/.venv/bin:$PATH
EXPOSE 4200 8000
# Default: the sample batch through the Prefect flow (ephemeral server). Override with e.g.
#   docker run IMAGE ocr run /data/scans --gt /data/ground_truth --out /data/out
CMD ["ocr", "flow", "scans", "--gt", "ground_truth", "--out", "out"]
