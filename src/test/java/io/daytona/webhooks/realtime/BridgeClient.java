package io.daytona.webhooks.realtime;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A test client of the event-bus bridge speaking its protocol over SockJS's raw WebSocket
 * transport ({@code /api/webhook-socket.io/websocket}): JSON frames
 * {@code {"type": "register"|"publish"|"send"|"ping", "address", "headers", "body"}} out,
 * {@code {"type": "rec"|"err", ...}} in.
 */
public final class BridgeClient {

  final WebSocketClient client;
  final WebSocket socket;
  private final List<JsonObject> frames = Collections.synchronizedList(new ArrayList<>());

  private BridgeClient(WebSocketClient client, WebSocket socket) {
    this.client = client;
    this.socket = socket;
    socket.textMessageHandler(text -> frames.add(new JsonObject(text)));
    socket.binaryMessageHandler(data -> frames.add(new JsonObject(data)));
  }

  public static Future<BridgeClient> connect(Vertx vertx, int port) {
    WebSocketClient client = vertx.createWebSocketClient();
    return client.connect(port, "127.0.0.1", RealtimeRoutes.SOCKET_PATH + "/websocket")
      .map(ws -> new BridgeClient(client, ws));
  }

  Future<Void> frame(JsonObject frame) {
    return socket.writeTextMessage(frame.encode());
  }

  /** Registers for {@code address} with {@code Authorization: Bearer <token>}, or no headers when token is null. */
  public Future<Void> register(String address, String token) {
    JsonObject frame = new JsonObject().put("type", "register").put("address", address);
    if (token != null) {
      frame.put("headers", new JsonObject().put("Authorization", "Bearer " + token));
    }
    return frame(frame);
  }

  List<JsonObject> frames() {
    synchronized (frames) {
      return List.copyOf(frames);
    }
  }

  /** Messages delivered from the bus ({@code rec}). */
  public List<JsonObject> received() {
    return frames().stream().filter(f -> "rec".equals(f.getString("type"))).toList();
  }

  /** Bodies of delivered messages whose {@code type} is {@code type}. */
  public List<JsonObject> events(String type) {
    return received().stream().map(f -> f.getJsonObject("body"))
      .filter(b -> b != null && type.equals(b.getString("type"))).toList();
  }

  public List<JsonObject> errors() {
    return frames().stream().filter(f -> "err".equals(f.getString("type"))).toList();
  }

  public Future<Void> close() {
    return socket.close().transform(ar -> client.close());
  }
}
