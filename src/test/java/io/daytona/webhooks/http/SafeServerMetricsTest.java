package io.daytona.webhooks.http;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.observability.HttpRequest;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.backends.BackendRegistries;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A connection accepted between a server's bind and the creation of its metrics has no socket
 * metric (Vert.x 5.0.7); Micrometer's own HTTP server metrics then throw on each of its requests,
 * which are never answered. The guarded metrics serve such requests unmeasured and measure the rest.
 */
class SafeServerMetricsTest {

  private Vertx vertx;

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void aRequestOnAConnectionWithoutSocketMetricIsNotMeasuredAndDoesNotThrow() {
    String registry = "safe-metrics-" + UUID.randomUUID();
    vertx = Vertx.builder().with(options(registry)).withMetrics(SafeServerMetrics.factory()).build();
    HttpServerMetrics<Object, Object, Object> metrics = serverMetrics(vertx);

    assertThat(metrics.requestBegin(null, request())).isNull();
    metrics.responseEnd(null, null, 10);

    Object socket = metrics.connected(SocketAddress.inetSocketAddress(40000, "127.0.0.1"), "127.0.0.1");
    Object measured = metrics.requestBegin(socket, request());
    assertThat(measured).isNotNull();
    assertThat(BackendRegistries.getNow(registry).find("vertx.http.server.active.requests").gauge().value()).isEqualTo(1.0);
  }

  @Test
  void micrometersOwnServerMetricsThrowThere() {
    vertx = Vertx.builder().with(options("plain-metrics-" + UUID.randomUUID()))
      .withMetrics(new io.vertx.micrometer.MicrometerMetricsFactory()).build();
    HttpServerMetrics<Object, Object, Object> metrics = serverMetrics(vertx);
    assertThatThrownBy(() -> metrics.requestBegin(null, request())).isInstanceOf(NullPointerException.class);
  }

  @SuppressWarnings("unchecked")
  private static HttpServerMetrics<Object, Object, Object> serverMetrics(Vertx vertx) {
    return (HttpServerMetrics<Object, Object, Object>) ((VertxInternal) vertx).metrics()
      .createHttpServerMetrics(new HttpServerOptions(), SocketAddress.inetSocketAddress(8080, "127.0.0.1"));
  }

  private static VertxOptions options(String registry) {
    return new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true).setRegistryName(registry)
      .setPrometheusOptions(new io.vertx.micrometer.VertxPrometheusOptions().setEnabled(true)));
  }

  private static HttpRequest request() {
    return new HttpRequest() {
      @Override
      public int id() {
        return 1;
      }

      @Override
      public String uri() {
        return "/health/ready";
      }

      @Override
      public String absoluteURI() {
        return "http://127.0.0.1:8080/health/ready";
      }

      @Override
      public HttpMethod method() {
        return HttpMethod.GET;
      }

      @Override
      public MultiMap headers() {
        return MultiMap.caseInsensitiveMultiMap();
      }

      @Override
      public SocketAddress remoteAddress() {
        return SocketAddress.inetSocketAddress(40000, "127.0.0.1");
      }
    };
  }
}
