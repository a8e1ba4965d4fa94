package io.daytona.webhooks.http;

import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import io.vertx.core.metrics.MetricsOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.metrics.VertxMetrics;
import io.vertx.core.spi.observability.HttpRequest;
import io.vertx.core.spi.observability.HttpResponse;
import io.vertx.micrometer.MicrometerMetricsFactory;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

/**
 * Vert.x metrics (Micrometer) with HTTP server meters that tolerate a connection without a socket
 * metric. Vert.x 5.0.7 binds a server's socket before it creates the server's metrics, so a
 * connection accepted in that instant (a readiness probe polling a starting service) has none;
 * Micrometer's {@code requestBegin} then throws a NullPointerException on every request of that
 * connection and none of them is ever answered: the client hangs. Here such a connection's
 * requests are served and simply not measured. Everything else is Micrometer's own.
 */
public final class SafeServerMetrics {

  private SafeServerMetrics() {
  }

  /** Micrometer's metrics factory, HTTP server meters guarded. */
  public static VertxMetricsFactory factory() {
    VertxMetricsFactory micrometer = new MicrometerMetricsFactory();
    return new VertxMetricsFactory() {
      @Override
      public VertxMetrics metrics(VertxOptions options) {
        return guard(micrometer.metrics(options));
      }

      @Override
      public MetricsOptions newOptions() {
        return micrometer.newOptions();
      }

      @Override
      public MetricsOptions newOptions(MetricsOptions options) {
        return micrometer.newOptions(options);
      }

      @Override
      public MetricsOptions newOptions(JsonObject json) {
        return micrometer.newOptions(json);
      }
    };
  }

  private static VertxMetrics guard(VertxMetrics metrics) {
    return (VertxMetrics) Proxy.newProxyInstance(SafeServerMetrics.class.getClassLoader(), new Class<?>[] {VertxMetrics.class},
      (proxy, method, args) -> {
        Object result;
        try {
          result = method.invoke(metrics, args);
        } catch (InvocationTargetException e) {
          throw e.getCause();
        }
        return result instanceof HttpServerMetrics<?, ?, ?> server && "createHttpServerMetrics".equals(method.getName())
          ? new Guarded<>(server)
          : result;
      });
  }

  /** Skips every call about a connection (or a request of a connection) that has no metric. */
  private static final class Guarded<R, W, S> implements HttpServerMetrics<R, W, S> {

    private final HttpServerMetrics<R, W, S> metrics;

    Guarded(HttpServerMetrics<R, W, S> metrics) {
      this.metrics = metrics;
    }

    @Override
    public R requestBegin(S socketMetric, HttpRequest request) {
      return socketMetric == null ? null : metrics.requestBegin(socketMetric, request);
    }

    @Override
    public void requestEnd(R requestMetric, HttpRequest request, long bytesRead) {
      if (requestMetric != null) {
        metrics.requestEnd(requestMetric, request, bytesRead);
      }
    }

    @Override
    public void requestReset(R requestMetric) {
      if (requestMetric != null) {
        metrics.requestReset(requestMetric);
      }
    }

    @Override
    public void responseBegin(R requestMetric, HttpResponse response) {
      if (requestMetric != null) {
        metrics.responseBegin(requestMetric, response);
      }
    }

    @Override
    public R responsePushed(S socketMetric, HttpMethod method, String uri, HttpResponse response) {
      return socketMetric == null ? null : metrics.responsePushed(socketMetric, method, uri, response);
    }

    @Override
    public void responseEnd(R requestMetric, HttpResponse response, long bytesWritten) {
      if (requestMetric != null) {
        metrics.responseEnd(requestMetric, response, bytesWritten);
      }
    }

    @Override
    public W connected(S socketMetric, R requestMetric, ServerWebSocket serverWebSocket) {
      return socketMetric == null || requestMetric == null ? null
        : metrics.connected(socketMetric, requestMetric, serverWebSocket);
    }

    @Override
    public void disconnected(W serverWebSocketMetric) {
      if (serverWebSocketMetric != null) {
        metrics.disconnected(serverWebSocketMetric);
      }
    }

    @Override
    public void requestRouted(R requestMetric, String route) {
      if (requestMetric != null) {
        metrics.requestRouted(requestMetric, route);
      }
    }

    @Override
    public S connected(SocketAddress remoteAddress, String remoteName) {
      return metrics.connected(remoteAddress, remoteName);
    }

    @Override
    public void disconnected(S socketMetric, SocketAddress remoteAddress) {
      if (socketMetric != null) {
        metrics.disconnected(socketMetric, remoteAddress);
      }
    }

    @Override
    public void bytesRead(S socketMetric, SocketAddress remoteAddress, long numberOfBytes) {
      if (socketMetric != null) {
        metrics.bytesRead(socketMetric, remoteAddress, numberOfBytes);
      }
    }

    @Override
    public void bytesWritten(S socketMetric, SocketAddress remoteAddress, long numberOfBytes) {
      if (socketMetric != null) {
        metrics.bytesWritten(socketMetric, remoteAddress, numberOfBytes);
      }
    }

    @Override
    public void exceptionOccurred(S socketMetric, SocketAddress remoteAddress, Throwable t) {
      if (socketMetric != null) {
        metrics.exceptionOccurred(socketMetric, remoteAddress, t);
      }
    }

    @Override
    public void close() {
      metrics.close();
    }
  }
}
