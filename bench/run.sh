#!/usr/bin/env bash
# Builds the jar and runs every benchmark on this machine, side by side in one run, then writes
# BENCHMARKS.md (figures, machine, command, date) and bench/results/latest.json (raw results).
# Options: -Dbench.events=N (events per pipeline run, default 20000), -Dbench.concurrency=N (default 64),
# -Dbench.only=pipeline (durable and non-durable runs only), ceilings (the SDK and PostgreSQL ceilings),
# rest (REST and start-up) or drain (backlog drains),
# -Dbench.serviceJvm="<JVM options>" (instead of bin/webhook-service's), -Dbench.outboxBatch=N (drain service),
# -Dbench.outboxConcurrency=N and -Dbench.svixThreads=N (durable run).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q package -DskipTests
mvn -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
exec java -Xmx1g "$@" -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" \
  io.daytona.webhooks.bench.Benchmarks BENCHMARKS.md
