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
# 8000: the review page (`ocr review`), 4200: the Prefect server and its UI.
EXPOSE 4200 8000
# Default: the sample batch through the Prefect flow (ephemeral server). Override with e.g.
#   docker run -v "$PWD/out:/app/out" IMAGE ocr run /data/scans --gt /data/ground_truth
# The review page, reachable from the host (beyond loopback it needs an access token):
#   docker run -p 8000:8000 -v "$PWD/out:/app/out" -e OCR_REVIEW_TOKEN=s3cret IMAGE \
#       ocr review --host 0.0.0.0 --port 8000      # then http://localhost:8000/queue?token=s3cret
# The Prefect UI (the API URL as the host's browser reaches it):
#   docker run -p 4200:4200 -e PREFECT_UI_API_URL=http://localhost:4200/api IMAGE \
#       prefect server start --host 0.0.0.0 --port 4200
CMD ["ocr", "flow", "scans", "--gt", "ground_truth", "--out", "out"]
