package com.maticsapp.scan.webhooks;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;

import static org.assertj.core.api.Assertions.assertThat;

/** Which addresses are never webhook targets in production, and which URLs are. */
class TargetPolicyTest {

  private final TargetPolicy production = new TargetPolicy(false, false);
  private final TargetPolicy development = new TargetPolicy(true, true);

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "127.8.9.10", "::1", "0.0.0.0", "::", "10.0.0.1", "172.16.5.4", "172.31.255.255",
      "192.168.1.1", "100.64.0.1", "100.127.255.254", "169.254.169.254", "169.254.0.1", "fe80::1", "fd00:ec2::254",
      "fc00::1", "::ffff:127.0.0.1", "::ffff:10.1.1.1", "224.0.0.1", "ff02::1", "240.0.0.1", "255.255.255.255",
      "198.18.0.1", "192.0.0.8", "2001:db8::1"})
  void internalAddressesAreRefused(String address) throws Exception {
    assertThat(TargetPolicy.refusal(InetAddress.getByName(address))).as(address).isNotNull();
    assertThat(production.addressProblem(InetAddress.getByName(address))).isNotNull();
    assertThat(development.addressProblem(InetAddress.getByName(address))).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111", "192.0.2.1"})
  void publicAddressesAreAllowed(String address) throws Exception {
    // 192.0.2.0/24 is documentation space but harmless; only what reaches inside is refused.
    assertThat(TargetPolicy.refusal(InetAddress.getByName(address))).as(address).isNull();
  }

  @Test
  void urlsAreCheckedForSchemeCredentialsAndLiteralInternalHosts() {
    assertThat(production.problem("https://hooks.example.com/x?y=1")).isNull();
    assertThat(production.problem("http://hooks.example.com/x")).contains("https");
    assertThat(development.problem("http://127.0.0.1:8080/x")).isNull();
    assertThat(production.problem("https://127.0.0.1/x")).contains("loopback");
    assertThat(production.problem("https://[::ffff:169.254.169.254]/")).contains("link-local");
    assertThat(production.problem("https://LOCALHOST/x")).contains("localhost");
    assertThat(production.problem("https://a.b.localhost/x")).contains("localhost");
    assertThat(production.problem("https://u:p@hooks.example.com/")).contains("credentials");
    assertThat(production.problem("https://hooks.example.com/#frag")).contains("fragment");
    assertThat(production.problem("https:///path")).isNotNull();
    assertThat(production.problem("mailto:a@b.c")).isNotNull();
    assertThat(production.problem("https://" + "a".repeat(2000) + ".com/")).contains("2000");
  }

  @Test
  void aTargetKeepsItsPortPathAndQuery() {
    TargetPolicy.Target target = production.parse("https://hooks.example.com/in/scans?token=a%20b");
    assertThat(target).isEqualTo(new TargetPolicy.Target(true, "hooks.example.com", 443, "/in/scans?token=a%20b"));
    assertThat(development.parse("http://[::1]:8081")).isEqualTo(new TargetPolicy.Target(false, "::1", 8081, "/"));
  }
}
