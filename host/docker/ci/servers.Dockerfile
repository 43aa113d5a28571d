# The servers of compose.yaml for CI, where their official images cannot be pulled:
# one image from Debian packages (PostgreSQL 15, Redis, NATS, Prometheus, Java for
# Kafka), the Kafka jars host/servers/kafka fetched from Maven and the FerretDB binary
# host/servers/ferretdb built with Go (a MongoDB-wire server for mongodb). compose.ci.yaml
# runs each server from it through host/docker/ci/entrypoint.
ARG BASE_IMAGE=local/debian:bookworm
FROM ${BASE_IMAGE}
RUN apt-get update -q \
  && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    postgresql-15 redis-server nats-server openjdk-17-jre-headless \
    prometheus wget procps \
  && rm -rf /var/lib/apt/lists/*
COPY kafka-libs/ /opt/kafka/libs/
COPY ferretdb /usr/local/bin/ferretdb
COPY entrypoint /usr/local/bin/jts-server
ENTRYPOINT ["/usr/local/bin/jts-server"]
