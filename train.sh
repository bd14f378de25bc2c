#!/usr/bin/env bash
# The main job: set-up, build, then `toolrl train` on the embedded default configuration
# (synthetic tool-calling data, a BPE tokenizer and a tiny Qwen2 trained here, SFT warm start, GRPO).
set -euo pipefail
cd "$(dirname "$0")"
eng/setup.sh
dotnet build src/ToolRL.Cli -c Release -nologo -clp:ErrorsOnly
config="${1:-configs/grpo-tiny.json}"
shift || true
dotnet src/ToolRL.Cli/bin/Release/net10.0/ToolRL.Cli.dll train "$config" "$@"
