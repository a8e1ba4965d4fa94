package io.daytona.webhooks.cluster;

import com.hazelcast.cluster.Address;
import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.HazelcastInstance;
import io.daytona.webhooks.config.ServiceConfig;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * How a node joins the cluster ({@code CLUSTER=true}): Vert.x clustered with the Hazelcast cluster
 * manager, TCP-IP join on {@code CLUSTER_MEMBERS}, no multicast and no auto-detection, the node
 * reachable at {@code CLUSTER_HOST} on {@code CLUSTER_PORT} (Hazelcast) and
 * {@code CLUSTER_EVENTBUS_PORT} (the event bus's own TCP server, which carries the messages).
 */
public final class Clustering {

  private static final Logger LOG = LoggerFactory.getLogger(Clustering.class);
  private static final Pattern IP_LITERAL = Pattern.compile("[0-9.]+|.*:.*");

  private Clustering() {
  }

  /** The address this node announces to the others. */
  public static String host(ServiceConfig config) {
    return config.clusterHost == null ? "127.0.0.1" : config.clusterHost;
  }

  public static HazelcastClusterManager clusterManager(ServiceConfig config) {
    return new HazelcastClusterManager(hazelcastConfig(config));
  }

  /**
   * The event bus listens on {@code CLUSTER_HOST} when it is an address of this machine (else on every
   * interface: behind NAT the announced address is not a local one) and announces {@code CLUSTER_HOST};
   * a fixed {@code CLUSTER_EVENTBUS_PORT} lets a firewall open it (0: any free port, fine on one host).
   */
  public static void configureEventBus(EventBusOptions eventBus, ServiceConfig config) {
    String host = host(config);
    eventBus.setHost(isLocalAddress(host) ? host : "0.0.0.0")
      .setPort(config.clusterEventBusPort)
      .setClusterPublicHost(host);
    if (config.clusterEventBusPort > 0) {
      eventBus.setClusterPublicPort(config.clusterEventBusPort);
    }
    if (config.clusterTls != null) {
      // both ends present a certificate signed by the CA: a member without one neither receives nor sends
      ServiceConfig.ClusterTls tls = config.clusterTls;
      eventBus.setSsl(true)
        .setKeyCertOptions(new io.vertx.core.net.PemKeyCertOptions().setCertPath(tls.cert().toString())
          .setKeyPath(tls.key().toString()))
        .setTrustOptions(new io.vertx.core.net.PemTrustOptions().addCertPath(tls.ca().toString()))
        .setClientAuth(io.vertx.core.http.ClientAuth.REQUIRED);
      LOG.info("Event bus between nodes: TLS with client certificates signed by {}", tls.ca());
    }
  }

  /**
   * Hazelcast configuration: Vert.x's own data structures from {@link ConfigUtil#loadConfig()} (a
   * {@code cluster.xml} on the classpath, else vertx-hazelcast's default: the subscription multimap and
   * node-info maps with one synchronous backup, so a killed node loses no subscription of the others),
   * then the network and behaviour an operator expects.
   */
  public static Config hazelcastConfig(ServiceConfig config) {
    Config hz = ConfigUtil.loadConfig();
    hz.setClusterName(config.clusterName);
    String host = host(config);
    boolean local = isLocalAddress(host);

    NetworkConfig network = hz.getNetworkConfig();
    // A fixed port: other nodes list it in CLUSTER_MEMBERS and firewalls open it; a port in use must
    // stop start-up, not silently move this node to an address nobody knows.
    network.setPort(config.clusterPort).setPortAutoIncrement(false);
    // a node restarted right after a crash binds its port again although old connections linger in TIME_WAIT
    network.setReuseAddress(true);
    network.setPublicAddress(host + ":" + config.clusterPort);
    if (local) {
      // listen on that interface only (and use it as this member's address)
      network.getInterfaces().setEnabled(true).setInterfaces(List.of(host));
      hz.setProperty("hazelcast.socket.bind.any", "false");
    }
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(config.clusterMembers.isEmpty()
      ? List.of(host + ":" + config.clusterPort)
      : config.clusterMembers);

    hz.setProperty("hazelcast.phone.home.enabled", "false");
    hz.setProperty("hazelcast.logging.type", "slf4j");
    // The service's own shutdown hook closes Vert.x, which unregisters this node's consumers and then
    // shuts Hazelcast down gracefully (partitions handed over); Hazelcast's hook would pull the
    // instance away underneath Vert.x first.
    hz.setProperty("hazelcast.shutdownhook.enabled", "false");
    // ... and the hand-over must fit in the 30 s the shutdown hook waits
    hz.setProperty("hazelcast.graceful.shutdown.max.wait", "20");
    // a hung (not crashed: a crash closes its sockets and is noticed at once) member is removed after 30 s
    hz.setProperty("hazelcast.heartbeat.interval.seconds", "2");
    hz.setProperty("hazelcast.max.no.heartbeat.seconds", "30");
    // after a network split, look for the other half (and merge) within a minute, not five
    hz.setProperty("hazelcast.merge.first.run.delay.seconds", "60");
    hz.setProperty("hazelcast.merge.next.run.delay.seconds", "30");
    return hz;
  }

  /** Logs every member that joins or leaves, with the resulting member list. */
  public static void logMembership(ClusterManager clusterManager) {
    HazelcastInstance instance = instance(clusterManager);
    if (instance == null) {
      return;
    }
    instance.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        LOG.info("Cluster member joined: {}; members now {}", address(event.getMember()), addresses(event.getMembers()));
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        LOG.warn("Cluster member left: {}; members now {}", address(event.getMember()), addresses(event.getMembers()));
      }
    });
    LOG.info("Joined cluster '{}' as {}; members {}", instance.getConfig().getClusterName(),
      address(instance.getCluster().getLocalMember()), addresses(instance.getCluster().getMembers()));
  }

  /** The cluster's members as {@code host:port} (Hazelcast addresses), sorted; empty when not clustered. */
  public static List<String> members(ClusterManager clusterManager) {
    HazelcastInstance instance = instance(clusterManager);
    if (instance == null || !instance.getLifecycleService().isRunning()) {
      return List.of();
    }
    return addresses(instance.getCluster().getMembers());
  }

  private static List<String> addresses(Set<Member> members) {
    return members.stream().map(Clustering::address).sorted().toList();
  }

  private static String address(Member member) {
    Address a = member.getAddress();
    String host = a.getHost().contains(":") ? "[" + a.getHost() + "]" : a.getHost();
    return host + ":" + a.getPort();
  }

  private static HazelcastInstance instance(ClusterManager clusterManager) {
    return clusterManager instanceof HazelcastClusterManager hz ? hz.getHazelcastInstance() : null;
  }

  /** True when {@code host} is an IP address of one of this machine's interfaces (no DNS lookup for names). */
  static boolean isLocalAddress(String host) {
    if (!IP_LITERAL.matcher(host).matches()) {
      return false;
    }
    try {
      InetAddress address = InetAddress.getByName(host);
      return address.isLoopbackAddress() || NetworkInterface.getByInetAddress(address) != null;
    } catch (UnknownHostException | SocketException e) {
      return false;
    }
  }
}
