package io.daytona.webhooks.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.NetworkConfig;
import io.daytona.webhooks.config.ServiceConfig;
import io.vertx.core.eventbus.EventBusOptions;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The Hazelcast and event-bus settings a node derives from its CLUSTER_* configuration (no network). */
class ClusteringConfigTest {

  @Test
  void tcpIpJoinOnTheConfiguredMembersWithAFixedPortAndNoMulticast() {
    ServiceConfig config = ServiceConfig.from(Map.of("CLUSTER", "true", "CLUSTER_HOST", "127.0.0.1",
      "CLUSTER_PORT", "5801", "CLUSTER_MEMBERS", "127.0.0.1:5801,127.0.0.1:5802", "CLUSTER_NAME", "prod-webhooks",
      "CLUSTER_EVENTBUS_PORT", "5901"));
    Config hz = Clustering.hazelcastConfig(config);
    assertThat(hz.getClusterName()).isEqualTo("prod-webhooks");
    NetworkConfig network = hz.getNetworkConfig();
    assertThat(network.getPort()).isEqualTo(5801);
    assertThat(network.isPortAutoIncrement()).isFalse();
    assertThat(network.isReuseAddress()).isTrue();
    assertThat(network.getPublicAddress()).isEqualTo("127.0.0.1:5801");
    assertThat(network.getInterfaces().isEnabled()).isTrue();
    assertThat(network.getInterfaces().getInterfaces()).containsExactly("127.0.0.1");
    assertThat(network.getJoin().getMulticastConfig().isEnabled()).isFalse();
    assertThat(network.getJoin().getAutoDetectionConfig().isEnabled()).isFalse();
    assertThat(network.getJoin().getTcpIpConfig().isEnabled()).isTrue();
    assertThat(network.getJoin().getTcpIpConfig().getMembers()).containsExactly("127.0.0.1:5801", "127.0.0.1:5802");
    assertThat(hz.getProperty("hazelcast.phone.home.enabled")).isEqualTo("false");
    assertThat(hz.getProperty("hazelcast.logging.type")).isEqualTo("slf4j");
    assertThat(hz.getProperty("hazelcast.shutdownhook.enabled")).isEqualTo("false");
    // Vert.x's subscription map keeps a backup on another member: a killed node loses nobody else's consumers
    assertThat(hz.getMultiMapConfig("__vertx.subs").getBackupCount()).isEqualTo(1);

    EventBusOptions eventBus = new EventBusOptions();
    Clustering.configureEventBus(eventBus, config);
    assertThat(eventBus.getHost()).isEqualTo("127.0.0.1");
    assertThat(eventBus.getPort()).isEqualTo(5901);
    assertThat(eventBus.getClusterPublicHost()).isEqualTo("127.0.0.1");
    assertThat(eventBus.getClusterPublicPort()).isEqualTo(5901);
  }

  @Test
  void anAddressOfAnotherMachineIsAnnouncedButNotBound() {
    // e.g. behind NAT or a DNS name: announce it, listen on every interface
    ServiceConfig config = ServiceConfig.from(Map.of("CLUSTER", "true", "CLUSTER_HOST", "webhooks-1.internal.example"));
    Config hz = Clustering.hazelcastConfig(config);
    assertThat(hz.getNetworkConfig().getPublicAddress()).isEqualTo("webhooks-1.internal.example:5701");
    assertThat(hz.getNetworkConfig().getInterfaces().isEnabled()).isFalse();
    assertThat(hz.getNetworkConfig().getJoin().getTcpIpConfig().getMembers())
      .containsExactly("webhooks-1.internal.example:5701");
    EventBusOptions eventBus = new EventBusOptions();
    Clustering.configureEventBus(eventBus, config);
    assertThat(eventBus.getHost()).isEqualTo("0.0.0.0");
    assertThat(eventBus.getClusterPublicHost()).isEqualTo("webhooks-1.internal.example");
    assertThat(Clustering.isLocalAddress("10.255.255.254")).isFalse();
    assertThat(Clustering.isLocalAddress("127.0.0.1")).isTrue();
  }

  @Test
  void withoutClusterThereAreNoMembers() {
    assertThat(Clustering.members(null)).isEmpty();
  }
}
