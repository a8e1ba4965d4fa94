package io.daytona.examples.receiver;

import com.svix.Webhook;
import com.svix.exceptions.WebhookVerificationException;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServerRequest;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Receives webhooks on every path, verifies each with the endpoint's {@code whsec_…} secret (Standard Webhooks
 * headers {@code webhook-id}, {@code webhook-timestamp}, {@code webhook-signature}, or the same as
 * {@code svix-*}), prints the verified ones and answers 204; a request that does not verify gets 401.
 *
 * <pre>java -jar webhook-receiver.jar --port 9000 --secret whsec_...   (or WEBHOOK_SECRET, RECEIVER_PORT)</pre>
 */
public final class WebhookReceiver extends VerticleBase {

  private static final long MAX_BODY = 1024 * 1024;

  private final int port;
  private final Webhook verifier;

  WebhookReceiver(int port, Webhook verifier) {
    this.port = port;
    this.verifier = verifier;
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> options = options(args);
    String secret = options.getOrDefault("secret", System.getenv("WEBHOOK_SECRET"));
    if (secret == null || !secret.startsWith("whsec_")) {
      System.err.println("usage: webhook-receiver --secret whsec_... [--port 9000]"
        + " (the endpoint's signing secret: GET .../endpoints/{id}/secret)");
      System.exit(2);
    }
    int port = Integer.parseInt(options.getOrDefault("port",
      System.getenv().getOrDefault("RECEIVER_PORT", "9000")));
    Vertx vertx = Vertx.vertx();
    vertx.deployVerticle(new WebhookReceiver(port, new Webhook(secret))).onFailure(err -> {
      System.err.println("could not start: " + err.getMessage());
      System.exit(1);
    });
  }

  @Override
  public Future<?> start() {
    return vertx.createHttpServer()
      .requestHandler(this::receive)
      .listen(port, "127.0.0.1")
      .onSuccess(s -> System.out.println("listening on http://127.0.0.1:" + s.actualPort() + "/ (any path)"));
  }

  private void receive(HttpServerRequest req) {
    if (req.method() != io.vertx.core.http.HttpMethod.POST) {
      req.response().setStatusCode(405).end();
      return;
    }
    String length = req.getHeader("content-length");
    if (length != null && Long.parseLong(length) > MAX_BODY) {
      req.response().setStatusCode(413).end();
      return;
    }
    req.body().onSuccess(body -> {
      String payload = body.toString();
      try {
        verifier.verify(payload, headers(req.headers()));
      } catch (WebhookVerificationException e) {
        System.out.println(Instant.now() + " REFUSED " + req.path() + ": " + e.getMessage());
        req.response().setStatusCode(401).end();
        return;
      }
      String id = req.getHeader("webhook-id") != null ? req.getHeader("webhook-id") : req.getHeader("svix-id");
      System.out.println(Instant.now() + " verified " + id + " " + req.path() + " " + payload);
      req.response().setStatusCode(204).end();
    }).onFailure(err -> req.response().setStatusCode(400).end());
  }

  /** The SDK's verifier takes the headers as a map of lists (svix-* or webhook-* names). */
  private static Map<String, List<String>> headers(MultiMap headers) {
    Map<String, List<String>> out = new HashMap<>();
    for (String prefix : List.of("webhook-", "svix-")) {
      for (String name : List.of("id", "timestamp", "signature")) {
        String value = headers.get(prefix + name);
        if (value != null) {
          out.put(prefix + name, List.of(value));
        }
      }
    }
    return out;
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> out = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument " + args[i]);
      }
      out.put(args[i].substring(2), args[i + 1]);
    }
    return out;
  }
}
