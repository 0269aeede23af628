#!/bin/sh
# The image's entrypoint: web, worker, beat and migrate all start through it.
# Every process of a container counts its metrics into PROMETHEUS_MULTIPROC_DIR; start it empty,
# or the counts of the previous run (a restarted container keeps /tmp) would be summed in.
set -e
if [ -n "$PROMETHEUS_MULTIPROC_DIR" ]; then
    rm -rf "$PROMETHEUS_MULTIPROC_DIR"
    mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
fi
exec "$@"
