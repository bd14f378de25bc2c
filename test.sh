#!/usr/bin/env bash
# The test command: set-up, build (including the native bridge) and every test, from a fresh clone.
set -euo pipefail
cd "$(dirname "$0")"
eng/setup.sh
dotnet build ToolRL.sln -c Release -nologo -clp:ErrorsOnly
dotnet test ToolRL.sln -c Release --no-build -nologo "$@"
