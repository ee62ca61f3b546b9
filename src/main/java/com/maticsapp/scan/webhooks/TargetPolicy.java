package com.maticsapp.scan.webhooks;

import com.maticsapp.scan.config.WebhooksConfig;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Where a webhook may go (docs/security.md, "Webhooks and SSRF"). In production: https only,
 * and never to an address inside the deployment's own networks: loopback, private (RFC 1918,
 * unique-local IPv6, carrier-grade NAT), link-local (which holds the cloud metadata services,
 * 169.254.169.254 and fd00:ec2::254), unspecified, multicast or reserved. Development and the
 * tests may allow plain http and private targets ({@code webhooks.allowHttp},
 * {@code webhooks.allowPrivateTargets}).
 *
 * <p>Checked twice: the URL when an endpoint is defined (a literal address or {@code localhost}
 * is refused at once), and every address the host name resolves to before each attempt, which
 * then connects to the address that was checked.
 */
public final class TargetPolicy {

  public static final int MAX_URL_LENGTH = 2000;

  private final boolean allowHttp;
  private final boolean allowPrivate;

  public TargetPolicy(boolean allowHttp, boolean allowPrivate) {
    this.allowHttp = allowHttp;
    this.allowPrivate = allowPrivate;
  }

  public static TargetPolicy of(WebhooksConfig config) {
    return new TargetPolicy(config.allowHttp(), config.allowPrivateTargets());
  }

  /** A parsed target: scheme, host (without brackets), port, and the path with its query. */
  public record Target(boolean tls, String host, int port, String pathAndQuery) {}

  /** The target of {@code url}, or null with the reason in {@link #problem}. */
  public Target parse(String url) {
    return problem(url) == null ? target(URI.create(url)) : null;
  }

  /** Why {@code url} may not be a webhook target, or null when it may. */
  public String problem(String url) {
    if (url.length() > MAX_URL_LENGTH) {
      return "must be at most " + MAX_URL_LENGTH + " characters";
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      return "is not a valid URL";
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!uri.isAbsolute() || uri.isOpaque() || !(scheme.equals("https") || scheme.equals("http"))) {
      return "must be an absolute https URL";
    }
    if (scheme.equals("http") && !allowHttp) {
      return "must use https (plain http is refused)";
    }
    if (uri.getRawUserInfo() != null) {
      return "must not carry credentials; the signature authenticates the sender";
    }
    if (uri.getRawFragment() != null) {
      return "must not have a fragment";
    }
    String host = host(uri);
    if (host == null || host.isEmpty()) {
      return "must name a host";
    }
    if (uri.getPort() == 0 || uri.getPort() > 65535) {
      return "has an invalid port";
    }
    if (!allowPrivate) {
      String lower = host.toLowerCase(Locale.ROOT);
      if (lower.equals("localhost") || lower.endsWith(".localhost")) {
        return "must not point at this machine (localhost)";
      }
      InetAddress literal = literal(host);
      if (literal != null) {
        String refused = refusal(literal);
        if (refused != null) {
          return "must not point at a " + refused + " address";
        }
      }
    }
    return null;
  }

  /** Why a connection to {@code address} is refused, or null when it is allowed. */
  public String addressProblem(InetAddress address) {
    return allowPrivate ? null : refusal(address);
  }

  /** The kind of address that is never a webhook target in production, or null for a public one. */
  static String refusal(InetAddress address) {
    if (address instanceof Inet6Address v6) {
      byte[] b = v6.getAddress();
      if (isMappedV4(b)) {
        return refusal(v4(b[12], b[13], b[14], b[15]));
      }
      if ((b[0] & 0xfe) == 0xfc) {
        return "private"; // fc00::/7 unique local, fd00:ec2::254 among them
      }
      if ((b[0] & 0xff) == 0x20 && (b[1] & 0xff) == 0x01 && (b[2] & 0xff) == 0x0d && (b[3] & 0xff) == 0xb8) {
        return "reserved"; // 2001:db8::/32 documentation
      }
    }
    if (address.isLoopbackAddress()) {
      return "loopback";
    }
    if (address.isAnyLocalAddress()) {
      return "unspecified";
    }
    if (address.isLinkLocalAddress()) {
      return "link-local or metadata";
    }
    if (address.isSiteLocalAddress()) {
      return "private";
    }
    if (address.isMulticastAddress()) {
      return "multicast";
    }
    if (address instanceof Inet4Address) {
      byte[] b = address.getAddress();
      int first = b[0] & 0xff;
      int second = b[1] & 0xff;
      if (first == 0 || first >= 240) {
        return "reserved";
      }
      if (first == 100 && second >= 64 && second <= 127) {
        return "private"; // 100.64.0.0/10 carrier-grade NAT
      }
      if (first == 198 && (second == 18 || second == 19)) {
        return "reserved"; // benchmarking
      }
      if (first == 192 && second == 0 && (b[2] & 0xff) == 0) {
        return "reserved"; // IETF protocol assignments
      }
    }
    return null;
  }

  private static boolean isMappedV4(byte[] b) {
    for (int i = 0; i < 10; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
  }

  private static InetAddress v4(byte a, byte b, byte c, byte d) {
    try {
      return InetAddress.getByAddress(new byte[] {a, b, c, d});
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The address when {@code host} is an IP literal (no name lookup), else null. */
  static InetAddress literal(String host) {
    boolean v6 = host.indexOf(':') >= 0;
    boolean v4 = !v6 && host.chars().allMatch(c -> (c >= '0' && c <= '9') || c == '.');
    if (!v6 && !v4) {
      return null;
    }
    try {
      return InetAddress.getByName(host); // a literal: parsed, never looked up
    } catch (java.net.UnknownHostException e) {
      return null;
    }
  }

  private static String host(URI uri) {
    String host = uri.getHost();
    if (host != null && host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return host;
  }

  private static Target target(URI uri) {
    boolean tls = uri.getScheme().equalsIgnoreCase("https");
    int port = uri.getPort() > 0 ? uri.getPort() : tls ? 443 : 80;
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    if (uri.getRawQuery() != null) {
      path += "?" + uri.getRawQuery();
    }
    return new Target(tls, host(uri), port, path);
  }
}
