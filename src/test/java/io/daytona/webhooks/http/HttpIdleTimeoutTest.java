package io.daytona.webhooks.http;

import io.daytona.webhooks.WebhookService;
import io.daytona.webhooks.testsupport.TestService;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.Map;

import static io.daytona.webhooks.testsupport.svix.SvixStandIn.block;
import static org.assertj.core.api.Assertions.assertThat;

/** HTTP_IDLE_TIMEOUT_S: a kept-alive connection with nothing to do is closed by the service. */
@ExtendWith(VertxExtension.class)
class HttpIdleTimeoutTest {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private WebhookService service;

  @BeforeEach
  void setUp() {
    service = block(TestService.start(Map.of("HTTP_IDLE_TIMEOUT_S", "1")), WAIT);
  }

  @AfterEach
  void tearDown() {
    if (service != null) {
      block(service.stop(), WAIT);
    }
  }

  @Test
  void anIdleKeptAliveConnectionIsClosed(Vertx vertx) {
    NetSocket socket = block(vertx.createNetClient().connect(service.port(), "127.0.0.1"), WAIT);
    Promise<Buffer> answered = Promise.promise();
    Promise<Long> closed = Promise.promise();
    Buffer received = Buffer.buffer();
    socket.handler(chunk -> {
      received.appendBuffer(chunk);
      if (received.toString().contains("\"outcome\"")) {
        answered.tryComplete(received);
      }
    });
    socket.closeHandler(v -> closed.tryComplete(System.nanoTime()));
    socket.write("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n");
    Buffer response = block(answered.future(), WAIT);
    long answeredAt = System.nanoTime();
    assertThat(response.toString()).startsWith("HTTP/1.1 200").doesNotContainIgnoringCase("connection: close");

    long closedAt = block(closed.future(), Duration.ofSeconds(10));
    assertThat(Duration.ofNanos(closedAt - answeredAt)).isLessThan(Duration.ofSeconds(5));
  }
}
