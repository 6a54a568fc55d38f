# The kubesim image, for sweeps on Kubernetes (deploy/kubernetes/) or anywhere else:
#   docker build -t kubesim .
#   docker run --rm -v "$PWD:/work" -w /work kubesim sweep scenarios/sweep-max-surge.yaml
FROM rust:1.88-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src src
COPY crates crates
RUN cargo build --release --locked --bin kubesim

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 kubesim
COPY --from=build /src/target/release/kubesim /usr/local/bin/kubesim
COPY scenarios /scenarios
USER 10001
ENTRYPOINT ["kubesim"]
CMD ["--help"]
