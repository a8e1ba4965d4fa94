package io.daytona.webhooks.realtime;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.parsetools.RecordParser;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

/**
 * A test client of the event-bus bridge over SockJS's {@code xhr-streaming} transport, the fallback
 * of a browser behind a proxy that blocks WebSockets: {@code POST /<server>/<session>/xhr_streaming}
 * keeps a response open that carries a 2 KiB {@code h} prelude, then {@code o} and {@code a[...]}
 * frames, one a line; {@code POST /<server>/<session>/xhr_send} with a JSON array of strings sends
 * bridge frames (answered 204).
 */
final class XhrBridgeClient {

  private final HttpClient http;
  private final int port;
  private final String base;
  private final List<JsonObject> frames = Collections.synchronizedList(new ArrayList<>());
  private volatile boolean open;
  private final List<Integer> sendStatuses = Collections.synchronizedList(new ArrayList<>());

  private XhrBridgeClient(HttpClient http, int port) {
    this.http = http;
    this.port = port;
    this.base = RealtimeRoutes.SOCKET_PATH + "/000/" + UUID.randomUUID().toString().replace("-", "");
  }

  /** Opens the streaming response; succeeds once the session's {@code o} frame has arrived. */
  static Future<XhrBridgeClient> connect(Vertx vertx, int port) {
    XhrBridgeClient c = new XhrBridgeClient(vertx.createHttpClient(), port);
    io.vertx.core.Promise<XhrBridgeClient> opened = io.vertx.core.Promise.promise();
    c.http.request(HttpMethod.POST, port, "127.0.0.1", c.base + "/xhr_streaming")
      .compose(req -> req.send())
      .onFailure(opened::tryFail)
      .onSuccess((HttpClientResponse resp) -> {
        if (resp.statusCode() != 200) {
          opened.tryFail("xhr_streaming answered " + resp.statusCode());
          return;
        }
        RecordParser lines = RecordParser.newDelimited("\n", line -> {
          String s = line.toString();
          if (s.equals("o")) {
            c.open = true;
            opened.tryComplete(c);
          } else if (s.startsWith("a[")) {
            for (Object f : new JsonArray(s.substring(1))) {
              c.frames.add(new JsonObject((String) f));
            }
          }
        });
        resp.handler(lines);
      });
    return opened.future();
  }

  /** Sends one bridge frame through {@code xhr_send}; succeeds with the HTTP status. */
  Future<Integer> frame(JsonObject frame) {
    return send(frame).map(r -> r.getInteger("status"));
  }

  /** Sends one bridge frame through {@code xhr_send}; succeeds with {@code {status, body}} of the answer. */
  Future<JsonObject> send(JsonObject frame) {
    return http.request(HttpMethod.POST, port, "127.0.0.1", base + "/xhr_send")
      .compose(req -> req.putHeader("Content-Type", "text/plain;charset=UTF-8")
        .send(Buffer.buffer(new JsonArray().add(frame.encode()).encode())))
      .compose(resp -> resp.body().map(b -> {
        sendStatuses.add(resp.statusCode());
        return new JsonObject().put("status", resp.statusCode()).put("body", b.toString());
      }));
  }

  Future<Integer> register(String address, String token) {
    JsonObject frame = new JsonObject().put("type", "register").put("address", address);
    if (token != null) {
      frame.put("headers", new JsonObject().put("Authorization", "Bearer " + token));
    }
    return frame(frame);
  }

  boolean isOpen() {
    return open;
  }

  List<JsonObject> frames() {
    synchronized (frames) {
      return List.copyOf(frames);
    }
  }

  List<JsonObject> received() {
    return frames().stream().filter(f -> "rec".equals(f.getString("type"))).toList();
  }

  Future<Void> close() {
    return http.close();
  }
}
