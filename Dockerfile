# The kubesim image, for sweeps on Kubernetes (deploy/kubernetes/) or anywhere else:
#   docker build -t kubesim .
#   docker run --rm --user "$(id -u):$(id -g)" -v "$PWD:/work" -w /work kubesim sweep scenarios/sweep-max-surge.yaml
# (--user: the image's own user, 10001, cannot write into a folder of yours that is bind
# mounted; as you, the outputs land in ./output/ owned by you.) The example scenarios are in
# the image too: `docker run --rm --user "$(id -u):$(id -g)" -v "$PWD:/out" kubesim run
# /scenarios/nginx-rolling-update.yaml --out /out`.
FROM rust:1.88-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs ./
COPY src src
COPY crates crates
RUN cargo build --release --locked --bin kubesim

FROM debian:bookworm-slim
RUN groupadd --system --gid 10001 kubesim && useradd --system --uid 10001 --gid 10001 --no-create-home kubesim
COPY --from=build /src/target/release/kubesim /usr/local/bin/kubesim
COPY scenarios /scenarios
USER 10001:10001
ENTRYPOINT ["kubesim"]
CMD ["--help"]
