# The Bun base image for CI, where oven/bun cannot be pulled: the local Debian base
# (host/docker/ci/run makes it with mmdebstrap) plus the host's own Bun binary, the one
# the tests run on, laid out like oven/bun (user bun, uid 1000). host/docker/Dockerfile
# is built FROM it with --build-arg BUN_IMAGE=jts-ci/bun.
ARG BASE_IMAGE=local/debian:bookworm
FROM ${BASE_IMAGE}
COPY bun /usr/local/bin/bun
# The host's trusted certificates: where the host reaches the npm registry through a
# TLS-inspecting proxy, `bun install` in the build trusts the same authorities.
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
RUN ln -s bun /usr/local/bin/bunx \
  && groupadd --gid 1000 bun \
  && useradd --uid 1000 --gid bun --create-home --home-dir /home/bun --shell /bin/sh bun
