package io.daytona.webhooks.provider.builtin;

import com.svix.Webhook;
import io.daytona.webhooks.provider.Attempt;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * Makes one attempt: resolves the endpoint's host now, checks the address against the {@link NetworkPolicy},
 * connects to that address (no second lookup), and POSTs the payload with the Standard Webhooks headers
 * ({@code webhook-id}, {@code webhook-timestamp}, {@code webhook-signature}, and the same as {@code svix-*})
 * signed by the Svix SDK's {@link Webhook}. Redirects are not followed; the whole attempt has one deadline.
 */
final class WebhookSender {

  /** How an attempt ended: {@code status} 0 when no response came, {@code response} its first 16 KiB or the error. */
  record Outcome(int status, String response, long durationMs, Duration retryAfter) {

    boolean success() {
      return status >= 200 && status < 300;
    }
  }

  private final Vertx vertx;
  private final HttpClient client;
  private final WorkerExecutor resolver;
  private final NetworkPolicy policy;
  private final long timeoutMs;

  WebhookSender(Vertx vertx, HttpClient client, WorkerExecutor resolver, NetworkPolicy policy, Duration timeout) {
    this.vertx = vertx;
    this.client = client;
    this.resolver = resolver;
    this.policy = policy;
    this.timeoutMs = timeout.toMillis();
  }

  /** Never fails: every way an attempt can go wrong is an {@link Outcome}. */
  Future<Outcome> send(BuiltinStore.Due due) {
    long started = System.nanoTime();
    URI url;
    try {
      url = URI.create(due.url());
    } catch (IllegalArgumentException e) {
      return Future.succeededFuture(new Outcome(0, "invalid URL", elapsed(started), null));
    }
    boolean https = "https".equalsIgnoreCase(url.getScheme());
    String host = url.getHost();
    int port = url.getPort() > 0 ? url.getPort() : https ? 443 : 80;
    String path = (url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath())
      + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
    return resolve(host).transform(resolved -> {
      if (resolved.failed()) {
        return Future.succeededFuture(new Outcome(0, "could not resolve " + host + ": " + resolved.cause().getMessage(),
          elapsed(started), null));
      }
      InetAddress address = resolved.result();
      if (!policy.allows(address)) {
        return Future.succeededFuture(new Outcome(0, NetworkPolicy.REFUSED + " (" + host + " is "
          + address.getHostAddress() + "; DELIVERY_ALLOWED_NETWORKS lets such addresses through)", elapsed(started), null));
      }
      return post(due, address, host, port, https, path, started);
    });
  }

  private Future<InetAddress> resolve(String host) {
    if (host == null) {
      return Future.failedFuture(new UnknownHostException("the URL names no host"));
    }
    InetAddress literal = NetworkPolicy.literal(host);
    if (literal != null) {
      return Future.succeededFuture(literal);
    }
    // the JDK resolver blocks: a small pool of its own, never an event loop
    return resolver.executeBlocking(() -> InetAddress.getByName(host), false);
  }

  private Future<Outcome> post(BuiltinStore.Due due, InetAddress address, String host, int port, boolean https,
                               String path, long started) {
    long timestamp = System.currentTimeMillis() / 1000;
    String signature;
    try {
      signature = new Webhook(due.secret()).sign(due.messageId(), timestamp, due.payload());
      if (due.previousSecret() != null) {
        signature = signature + " " + new Webhook(due.previousSecret()).sign(due.messageId(), timestamp, due.payload());
      }
    } catch (Exception e) {
      return Future.succeededFuture(new Outcome(0, "could not sign: " + e.getMessage(), elapsed(started), null));
    }
    Buffer body = Buffer.buffer(due.payload());
    RequestOptions options = new RequestOptions()
      .setMethod(HttpMethod.POST)
      .setServer(SocketAddress.inetSocketAddress(port, address.getHostAddress()))
      .setHost(host)
      .setPort(port)
      .setSsl(https)
      .setURI(path)
      .setFollowRedirects(false)
      .setConnectTimeout(timeoutMs)
      .putHeader("content-type", "application/json")
      .putHeader("user-agent", "webhook-service")
      .putHeader("webhook-id", due.messageId())
      .putHeader("webhook-timestamp", Long.toString(timestamp))
      .putHeader("webhook-signature", signature)
      .putHeader("svix-id", due.messageId())
      .putHeader("svix-timestamp", Long.toString(timestamp))
      .putHeader("svix-signature", signature);
    Promise<Outcome> outcome = Promise.promise();
    long[] deadline = {-1};
    // connecting has its own timeout; the attempt's deadline runs from the moment a connection is had
    client.request(options).onComplete(requested -> {
      if (requested.failed()) {
        outcome.tryComplete(new Outcome(0, error(requested.cause()), elapsed(started), null));
        return;
      }
      var request = requested.result();
      deadline[0] = vertx.setTimer(timeoutMs, t -> {
        if (outcome.tryComplete(new Outcome(0, "timed out after " + timeoutMs + " ms", elapsed(started), null))) {
          // the connection is closed: a late answer can neither land nor hold a pooled connection
          request.reset();
        }
      });
      request.send(body).onComplete(sent -> {
        if (sent.failed()) {
          outcome.tryComplete(new Outcome(0, error(sent.cause()), elapsed(started), null));
          return;
        }
        read(sent.result(), outcome, started);
      });
    });
    return outcome.future().onComplete(done -> vertx.cancelTimer(deadline[0]));
  }

  /** Keeps the first 16 KiB of the body; the rest is read and dropped, within the same deadline. */
  private static void read(HttpClientResponse response, Promise<Outcome> outcome, long started) {
    Buffer kept = Buffer.buffer();
    response.handler(chunk -> {
      int room = Attempt.MAX_RESPONSE - kept.length();
      if (room > 0) {
        kept.appendBuffer(chunk.length() <= room ? chunk : chunk.getBuffer(0, room));
      }
    });
    response.exceptionHandler(err -> outcome.tryComplete(
      new Outcome(response.statusCode(), text(kept) + " [" + error(err) + "]", elapsed(started), null)));
    response.endHandler(v -> {
      int status = response.statusCode();
      String text = text(kept);
      if (status >= 300 && status < 400) {
        String location = response.getHeader("location");
        text = "redirect not followed" + (location == null ? "" : " (Location: " + location + ")")
          + (text.isEmpty() ? "" : ": " + text);
      }
      outcome.tryComplete(new Outcome(status, text, elapsed(started),
        status == 429 || status == 503 ? retryAfter(response.headers()) : null));
    });
  }

  private static String text(Buffer kept) {
    String s = new String(kept.getBytes(), StandardCharsets.UTF_8);
    // a cut in the middle of a character leaves a replacement character at most
    return s.length() > Attempt.MAX_RESPONSE ? s.substring(0, Attempt.MAX_RESPONSE) : s;
  }

  static Duration retryAfter(MultiMap headers) {
    String v = headers.get("retry-after");
    if (v == null) {
      return null;
    }
    v = v.trim();
    try {
      long seconds = Long.parseLong(v);
      return seconds < 0 ? null : Duration.ofSeconds(seconds);
    } catch (NumberFormatException notSeconds) {
      try {
        Duration d = Duration.between(java.time.Instant.now(),
          ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
        return d.isNegative() ? Duration.ZERO : d;
      } catch (RuntimeException notADate) {
        return null;
      }
    }
  }

  private static String error(Throwable err) {
    String name = err.getClass().getSimpleName();
    return err.getMessage() == null ? name : name + ": " + err.getMessage();
  }

  private static long elapsed(long started) {
    return (System.nanoTime() - started) / 1_000_000;
  }
}
