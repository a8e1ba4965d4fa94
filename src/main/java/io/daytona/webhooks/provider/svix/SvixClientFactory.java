package io.daytona.webhooks.provider.svix;

import com.svix.Svix;
import com.svix.SvixHttpClient;
import com.svix.SvixOptions;
import io.vertx.core.Context;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Field;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Builds the one {@link Svix} client of the service. The SDK 1.99.1 offers no way to set its
 * OkHttp client or retry schedule, so they are replaced here: a client whose timeouts are the
 * configured deadline, with a connection pool sized for the worker threads, no hidden SDK retries
 * (the outbox and callers retry with their own backoff), and an interceptor that remembers a
 * 429's {@code Retry-After} and counts any call made from an event-loop thread.
 */
final class SvixClientFactory {

  private static final Logger LOG = LoggerFactory.getLogger(SvixClientFactory.class);

  /** The Retry-After (seconds) of the last 429 seen by the calling thread. */
  static final ThreadLocal<Integer> LAST_RETRY_AFTER = new ThreadLocal<>();
  /** Calls made from an event-loop thread: must stay 0. */
  static final AtomicLong EVENT_LOOP_CALLS = new AtomicLong();

  private SvixClientFactory() {
  }

  static Svix create(String token, URI serverUrl, Duration deadline, int threads) {
    SvixOptions options = new SvixOptions();
    if (serverUrl != null) {
      options.setServerUrl(serverUrl.toString());
    }
    Svix svix = new Svix(token, options);
    tune(svix.getHttpClient(), deadline, threads);
    return svix;
  }

  private static void tune(SvixHttpClient http, Duration deadline, int threads) {
    try {
      Field clientField = SvixHttpClient.class.getDeclaredField("client");
      clientField.setAccessible(true);
      OkHttpClient current = (OkHttpClient) clientField.get(http);
      Dispatcher dispatcher = new Dispatcher();
      dispatcher.setMaxRequests(Math.max(64, threads * 2));
      dispatcher.setMaxRequestsPerHost(Math.max(64, threads * 2));
      OkHttpClient tuned = current.newBuilder()
        .connectTimeout(deadline.toMillis(), TimeUnit.MILLISECONDS)
        .readTimeout(deadline.toMillis(), TimeUnit.MILLISECONDS)
        .writeTimeout(deadline.toMillis(), TimeUnit.MILLISECONDS)
        .callTimeout(deadline.toMillis(), TimeUnit.MILLISECONDS)
        .connectionPool(new ConnectionPool(Math.max(8, threads), 5, TimeUnit.MINUTES))
        .dispatcher(dispatcher)
        // a pooled connection that Svix (or a proxy) has closed is replaced by a new one instead of failing the
        // call (with this off, the first call on each such connection failed: a 502, or a delivery put off for
        // a backoff). Safe for POSTs: the SDK gives each one an idempotency key, and a retry sends the same key.
        .retryOnConnectionFailure(true)
        .addInterceptor(chain -> {
          if (Context.isOnEventLoopThread()) {
            EVENT_LOOP_CALLS.incrementAndGet();
            LOG.error("Svix SDK called from an event-loop thread: {}", Thread.currentThread().getName());
          }
          LAST_RETRY_AFTER.remove();
          Response response = chain.proceed(chain.request());
          if (response.code() == 429) {
            LAST_RETRY_AFTER.set(retryAfter(response.header("Retry-After")));
          }
          return response;
        })
        .build();
      clientField.set(http, tuned);
      Field retries = SvixHttpClient.class.getDeclaredField("retrySchedule");
      retries.setAccessible(true);
      retries.set(http, List.of());
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.warn("Could not tune the Svix SDK's HTTP client ({}); its defaults apply", e.toString());
    }
  }

  static int retryAfter(String header) {
    if (header == null) {
      return 1;
    }
    try {
      return Math.max(1, Math.min(3600, Integer.parseInt(header.trim())));
    } catch (NumberFormatException e) {
      return 1;
    }
  }
}
