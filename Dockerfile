# Rookery container image.
#
#   docker build -t rookery .
#   docker run -p 8080:8080 -e ROOKERY_DATABASE__URL=postgres://… -v rookery-media:/data rookery
#
# or `docker compose up` with the docker-compose.yml next to this file.
#
# There is no .dockerignore: only the paths the build needs are copied, one by one, so target/
# and data/ never reach the image.

# ---------------------------------------------------------------------------------------------
# Build stage
# ---------------------------------------------------------------------------------------------
FROM rust:1-bookworm AS builder
WORKDIR /build
ENV CARGO_TERM_COLOR=never

# 1. Dependencies only, in their own layer: it is rebuilt when Cargo.toml or Cargo.lock change,
#    not on every source edit. Empty stand-ins for the crate's own targets let cargo compile
#    every dependency now. benches/ is copied because Cargo.toml may name bench targets; the
#    bracket pattern makes that COPY a no-op when the folder does not exist.
COPY Cargo.toml Cargo.lock ./
COPY bench[e]s/ ./benches/
RUN mkdir -p src \
    && echo 'fn main() {}' > src/main.rs \
    && : > src/lib.rs \
    && cargo build --release --locked \
    && rm -rf src

# 2. The crate itself. config/default.toml is embedded with include_str!, migrations/ with
#    sqlx::migrate! and the page templates (src/web/templates) by askama, so all are needed at
#    compile time. `touch` makes the real sources newer
#    than the stand-ins whatever their timestamps in the build context, so cargo rebuilds them.
COPY config/ ./config/
COPY migrations/ ./migrations/
COPY src/ ./src/
RUN touch src/main.rs src/lib.rs \
    && cargo build --release --locked \
    && install -m 0755 target/release/rookery /usr/local/bin/rookery

# ---------------------------------------------------------------------------------------------
# Runtime stage
# ---------------------------------------------------------------------------------------------
FROM debian:bookworm-slim

RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        ca-certificates \
        curl \
    && rm -rf /var/lib/apt/lists/*

# Unprivileged user; /data is created and chowned before VOLUME so a fresh named volume
# inherits that ownership.
RUN groupadd --system --gid 10001 rookery \
    && useradd --system --uid 10001 --gid rookery --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin rookery \
    && mkdir -p /app/config /data \
    && chown rookery:rookery /data

COPY --from=builder /usr/local/bin/rookery /usr/local/bin/rookery
# The defaults are compiled into the binary; this copy documents every key and is a starting
# point for `rookery --config /app/config/…`.
COPY config/default.toml /app/config/default.toml

WORKDIR /app
ENV ROOKERY_DATA_DIR=/data \
    ROOKERY_LISTEN=0.0.0.0:8080
VOLUME ["/data"]
USER rookery
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/health/ready || exit 1

ENTRYPOINT ["rookery"]
CMD ["serve"]
