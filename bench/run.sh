#!/usr/bin/env bash
# Builds the jar and runs every benchmark on this machine, side by side in one run, then writes
# BENCHMARKS.md (figures, machine, command, date) and bench/results/latest.json (raw results).
# Each pipeline path and each REST load is warmed up in rounds until the JIT compilers take under 5 % of the
# CPU (the benchmark JVM's, the service's and the load client's; the backlog drains likewise): the figures are those of a service that has
# been running for a while, and each table says how much compiling was left in its measurement.
# Options: -Dbench.events=N (events per pipeline run, default 20000), -Dbench.concurrency=N (default 64),
# -Dbench.warmup=N (events per pipeline warm-up round, default 20000), -Dbench.warmupRounds=N (at most, default 12),
# -Dbench.only=pipeline (the pipeline table: durable, its stages, non-durable and the ceilings, printed with both
# ratios, not written), ceilings (the SDK and PostgreSQL ceilings),
# rest (REST and start-up), drain (backlog drains) or builtin (the built-in delivery: throughput against a bare
# HttpClient and against the floor of an outbox insert and an attempt insert per delivery, isolation from a slow endpoint, memory draining 100,000 deliveries; replaces only its own section of
# BENCHMARKS.md, between <!-- builtin:start --> and <!-- builtin:end -->, which the full run writes too),
# latency (issue 21: fixed rates and fairness; likewise its own section), latency-builtin (the built-in provider's
# latency rows only, printed, nothing written: to compare two versions side by side)
# or large (200 /send of 250 KiB payloads during a Svix outage, then recovery: the service jar's peak resident
# memory, nothing lost, no duplicates; likewise replaces only its section, between <!-- large:start --> and
# <!-- large:end -->), -Dbench.largeEvents=N (default 200), -Dbench.largeInFlight=N (default 32),
# -Dbench.largeOrgs=N (default 4), -Dbench.largePayloadBytes=N (default 256000),
# -Dbench.largeOutageAfterMs=N (how long Svix stays away after the last 202, default 5000),
# -Dbench.builtinEvents=N (default 20000), -Dbench.builtinDrain=N (default 100000), -Dbench.builtinPairs=N (default 2),
# -Dbench.isolationEvents=N (events per isolation run, default 10000), -Dbench.isolationPairs=N (default 3),
# -Dbench.serviceJvm="<JVM options>" (instead of bin/webhook-service's), -Dbench.outboxBatch=N (drain service),
# -Dbench.outboxConcurrency=N and -Dbench.svixThreads=N (durable run).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q package -DskipTests
mvn -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
exec java -Xmx1g "$@" -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" \
  io.daytona.webhooks.bench.Benchmarks BENCHMARKS.md
