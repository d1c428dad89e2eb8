#!/bin/sh
# Start one printing worker named after its container, so that
# deploy/printing-healthcheck.py can find it in Redis. Extra arguments go
# to laurel-printing worker (such as --burst).
set -eu
exec laurel-printing worker --name "printing-$(hostname)" "$@"
