package io.daytona.webhooks.delivery;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.time.Duration;

/**
 * The delivery meters on {@code /metrics} (Prometheus names): {@code webhooks_outbox_accepted_total{source}},
 * {@code webhooks_outbox_sent_total}, {@code webhooks_outbox_retried_total}, {@code webhooks_outbox_failed_total},
 * {@code webhooks_events_dead_lettered_total{address}}, {@code webhooks_outbox_intake_refused_total} (events refused
 * with 503 because the intake queue was full) and the histogram
 * {@code webhooks_outbox_delivery_latency_seconds} (accepted to sent). Registered at zero when created.
 */
public final class OutboxMetrics {

  private final MeterRegistry registry;
  private final Counter sent;
  private final Counter retried;
  private final Counter failed;
  private final Counter intakeRefused;
  private final Timer latency;

  public OutboxMetrics(MeterRegistry registry) {
    this.registry = registry == null ? new SimpleMeterRegistry() : registry;
    sent = Counter.builder("webhooks.outbox.sent").description("Outbox events created in Svix (409 included)")
      .register(this.registry);
    retried = Counter.builder("webhooks.outbox.retried")
      .description("Svix attempts that failed and were scheduled again").register(this.registry);
    failed = Counter.builder("webhooks.outbox.failed").description("Outbox events Svix rejected for good")
      .register(this.registry);
    intakeRefused = Counter.builder("webhooks.outbox.intake.refused")
      .description("Events refused (503) because the intake queue was full").register(this.registry);
    latency = Timer.builder("webhooks.outbox.delivery.latency").description("From acceptance to creation in Svix")
      .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofHours(1))
      .register(this.registry);
    accepted("platform", 0);
    accepted("api", 0);
  }

  public void accepted(String source) {
    accepted(source, 1);
  }

  private void accepted(String source, int n) {
    Counter.builder("webhooks.outbox.accepted").description("Events committed to the outbox")
      .tag("source", source).register(registry).increment(n);
  }

  public void sent(Double latencySeconds) {
    sent.increment();
    if (latencySeconds != null) {
      latency.record(Duration.ofNanos((long) (Math.max(0, latencySeconds) * 1e9)));
    }
  }

  public void intakeRefused() {
    intakeRefused.increment();
  }

  public void retried() {
    retried.increment();
  }

  public void failed() {
    failed.increment();
  }

  public void deadLettered(String address) {
    Counter.builder("webhooks.events.dead_lettered").description("Platform event messages that could not be accepted")
      .tag("address", address).register(registry).increment();
  }
}
