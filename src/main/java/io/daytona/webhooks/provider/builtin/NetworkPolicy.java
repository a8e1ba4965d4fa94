package io.daytona.webhooks.provider.builtin;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Which addresses a webhook may be sent to: every public address, and the refused ones (loopback, private,
 * link-local, carrier-grade NAT, unique-local, multicast, unspecified, broadcast, and their IPv4-mapped or
 * IPv4-compatible forms) only inside {@code DELIVERY_ALLOWED_NETWORKS}. Checked on the address a connection
 * is then made to, so a host name cannot resolve to one address for the check and another for the request.
 */
public final class NetworkPolicy {

  /** What a refused attempt's {@code response} says. */
  public static final String REFUSED = "address not allowed";

  private record Network(byte[] base, int bits) {
    boolean contains(byte[] address) {
      if (address.length != base.length) {
        return false;
      }
      int full = bits / 8;
      for (int i = 0; i < full; i++) {
        if (address[i] != base[i]) {
          return false;
        }
      }
      int rest = bits % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xff << (8 - rest)) & 0xff;
      return (address[full] & mask) == (base[full] & mask);
    }
  }

  private static final List<Network> REFUSED_NETWORKS = List.of(
    network("0.0.0.0/8"), network("10.0.0.0/8"), network("100.64.0.0/10"), network("127.0.0.0/8"),
    network("169.254.0.0/16"), network("172.16.0.0/12"), network("192.0.0.0/24"), network("192.168.0.0/16"),
    network("198.18.0.0/15"), network("224.0.0.0/4"), network("240.0.0.0/4"),
    network("::/128"), network("::1/128"), network("fc00::/7"), network("fe80::/10"), network("fec0::/10"),
    network("ff00::/8"), network("64:ff9b::/96"));

  private final List<Network> allowed;

  /** @param allowedNetworks CIDRs (already checked by the configuration) whose addresses are let through */
  public NetworkPolicy(List<String> allowedNetworks) {
    List<Network> out = new ArrayList<>();
    for (String cidr : allowedNetworks) {
      out.add(network(cidr));
    }
    this.allowed = List.copyOf(out);
  }

  /** True when a webhook may be sent to {@code address}. */
  public boolean allows(InetAddress address) {
    byte[] bytes = address.getAddress();
    for (Network n : allowed) {
      if (n.contains(bytes)) {
        return true;
      }
    }
    byte[] v4 = embeddedIpv4(address);
    if (v4 != null) {
      for (Network n : allowed) {
        if (n.contains(v4)) {
          return true;
        }
      }
      return !refused(v4);
    }
    return !refused(bytes);
  }

  /**
   * For a host that is an IP literal ({@code 10.0.0.1}, {@code [fe80::1]}), whether it is allowed; null for a
   * host name (decided when an attempt resolves it).
   */
  public Boolean allowsLiteral(String host) {
    InetAddress literal = literal(host);
    return literal == null ? null : allows(literal);
  }

  static InetAddress literal(String host) {
    if (host == null || host.isEmpty()) {
      return null;
    }
    String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    boolean v4 = h.matches("^\\d{1,3}(\\.\\d{1,3}){3}$");
    boolean v6 = h.contains(":") && h.matches("^[0-9A-Fa-f:.%a-zA-Z0-9]+$");
    if (!v4 && !v6) {
      return null;
    }
    try {
      // a literal: no lookup happens
      return InetAddress.getByName(h);
    } catch (UnknownHostException e) {
      return null;
    }
  }

  private static boolean refused(byte[] address) {
    if (address.length == 4 && (address[0] & 0xff) == 255 && (address[1] & 0xff) == 255
      && (address[2] & 0xff) == 255 && (address[3] & 0xff) == 255) {
      return true;
    }
    for (Network n : REFUSED_NETWORKS) {
      if (n.contains(address)) {
        return true;
      }
    }
    return false;
  }

  /** The IPv4 address inside an IPv4-mapped ({@code ::ffff:a.b.c.d}) or IPv4-compatible ({@code ::a.b.c.d}) one. */
  private static byte[] embeddedIpv4(InetAddress address) {
    if (!(address instanceof Inet6Address)) {
      return null;
    }
    byte[] b = address.getAddress();
    for (int i = 0; i < 10; i++) {
      if (b[i] != 0) {
        return null;
      }
    }
    boolean mapped = (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
    boolean compatible = b[10] == 0 && b[11] == 0 && !(b[12] == 0 && b[13] == 0 && b[14] == 0 && (b[15] == 0 || b[15] == 1));
    if (!mapped && !compatible) {
      return null;
    }
    return new byte[] {b[12], b[13], b[14], b[15]};
  }

  private static Network network(String cidr) {
    int slash = cidr.indexOf('/');
    String address = slash < 0 ? cidr : cidr.substring(0, slash);
    InetAddress parsed = literal(address);
    if (parsed == null) {
      throw new IllegalArgumentException("not an IP network: " + cidr);
    }
    byte[] bytes = parsed.getAddress();
    if (parsed instanceof Inet4Address && address.contains(":")) {
      // ::ffff:10.0.0.0/104 written as IPv6: Java gives the IPv4 address; keep the bits relative to it
      int bits = slash < 0 ? 32 : Math.max(0, Integer.parseInt(cidr.substring(slash + 1)) - 96);
      return new Network(bytes, bits);
    }
    int bits = slash < 0 ? bytes.length * 8 : Integer.parseInt(cidr.substring(slash + 1));
    return new Network(bytes, bits);
  }
}
