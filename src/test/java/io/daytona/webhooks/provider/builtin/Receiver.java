package io.daytona.webhooks.provider.builtin;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A webhook receiver: a real HTTP server that records every request (path, headers, body, when) and answers
 * each path with the behaviours queued for it, in turn (200 once the queue is empty).
 */
final class Receiver {

  record Received(String path, MultiMap headers, String body, long atNanos) {
  }

  private final Vertx vertx;
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final Map<String, ConcurrentLinkedQueue<Consumer<HttpServerRequest>>> plans = new ConcurrentHashMap<>();
  private HttpServer server;
  private volatile long delayMs;

  Receiver(Vertx vertx) {
    this.vertx = vertx;
  }

  Future<Receiver> start() {
    return vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      received.add(new Received(req.path(), MultiMap.caseInsensitiveMultiMap().addAll(req.headers()),
        body.toString(), System.nanoTime()));
      Consumer<HttpServerRequest> plan = plans.getOrDefault(req.path(), new ConcurrentLinkedQueue<>()).poll();
      Runnable answer = plan == null ? () -> req.response().setStatusCode(200).end("ok") : () -> plan.accept(req);
      if (delayMs > 0) {
        vertx.setTimer(delayMs, t -> answer.run());
      } else {
        answer.run();
      }
    })).listen(0, "127.0.0.1").map(s -> {
      server = s;
      return this;
    });
  }

  /** Every answer from now on comes {@code delay} after its request (zero: at once). */
  void delay(java.time.Duration delay) {
    delayMs = delay.toMillis();
  }

  int port() {
    return server.actualPort();
  }

  String url(String path) {
    return "http://127.0.0.1:" + port() + path;
  }

  /** The next request to {@code path} is answered by {@code plan}. */
  Receiver then(String path, Consumer<HttpServerRequest> plan) {
    plans.computeIfAbsent(path, p -> new ConcurrentLinkedQueue<>()).add(plan);
    return this;
  }

  Receiver thenStatus(String path, int status) {
    return then(path, req -> req.response().setStatusCode(status).end("status " + status));
  }

  List<Received> at(String path) {
    return received.stream().filter(r -> r.path().equals(path)).toList();
  }

  List<Received> all() {
    return List.copyOf(received);
  }

  Future<Void> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
