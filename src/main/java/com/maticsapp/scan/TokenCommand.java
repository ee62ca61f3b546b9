package com.maticsapp.scan;

import com.maticsapp.scan.config.AppConfig;
import com.maticsapp.scan.config.AuthConfig;
import com.maticsapp.scan.config.ConfigLoader;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar matic-scan.jar token --sub alice [--role service_role] [--ttl 1h]}: a user
 * access token this deployment accepts, signed HS256 with the configured {@code auth.jwtSecret}
 * ({@code AUTH_JWT_SECRET}) and carrying its audience and issuer. For operators and scripts
 * (an admin token for {@code /metrics}, a service user); people sign in through the identity
 * provider instead (docs/security.md). Prints only the token, so it can be captured:
 * {@code TOKEN=$(java -jar matic-scan.jar token --sub alice)}.
 */
public final class TokenCommand {

  static final String USAGE = "usage: java -jar matic-scan.jar token --sub <user id> [--role <role>] [--ttl <duration, default 1h>]";
  private static final Duration MAX_TTL = Duration.ofDays(30);

  private TokenCommand() {}

  /** Runs the command; the process exit status: 0 printed a token, 2 refused (the reason on {@code err}). */
  public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
    String sub = null;
    String role = "authenticated";
    Duration ttl = Duration.ofHours(1);
    try {
      for (int i = 1; i < args.length; i++) {
        String value = i + 1 < args.length ? args[i + 1] : null;
        switch (args[i]) {
          case "--sub" -> sub = required(args[i], value);
          case "--role" -> role = required(args[i], value);
          case "--ttl" -> ttl = ttl(required(args[i], value));
          default -> throw new IllegalArgumentException("unknown option " + args[i]);
        }
        i++;
      }
      if (sub == null || sub.isBlank() || sub.length() > 255 || sub.startsWith("guest:")) {
        throw new IllegalArgumentException("--sub is required: 1 to 255 characters, not starting with guest:");
      }
      AuthConfig auth = authConfig(env);
      if (auth.jwtSecret().isEmpty()) {
        throw new IllegalArgumentException("no auth.jwtSecret is configured (set AUTH_JWT_SECRET): this deployment "
            + "verifies tokens only with its identity provider's keys, so only that provider can issue them");
      }
      out.println(sign(auth, sub, role, ttl, Instant.now()));
      return 0;
    } catch (IllegalArgumentException e) {
      err.println("matic-scan token: " + e.getMessage());
      err.println(USAGE);
      return 2;
    }
  }

  /** The token: HS256 over {@code sub}, {@code role}, the first configured audience, the issuer, {@code iat}, {@code exp}. */
  static String sign(AuthConfig auth, String sub, String role, Duration ttl, Instant now) {
    JsonObject claims = new JsonObject()
        .put("sub", sub)
        .put("role", role)
        .put("iat", now.getEpochSecond())
        .put("exp", now.plus(ttl).getEpochSecond());
    if (!auth.audience().isEmpty()) {
      claims.put("aud", auth.audience().size() == 1 ? auth.audience().get(0) : new JsonArray(auth.audience()));
    }
    if (auth.issuer() != null && !auth.issuer().isBlank()) {
      claims.put("iss", auth.issuer());
    }
    Base64.Encoder base64 = Base64.getUrlEncoder().withoutPadding();
    String signed = base64.encodeToString(new JsonObject().put("alg", "HS256").put("typ", "JWT").encode()
        .getBytes(StandardCharsets.UTF_8)) + "." + base64.encodeToString(claims.encode().getBytes(StandardCharsets.UTF_8));
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(auth.jwtSecret().getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return signed + "." + base64.encodeToString(mac.doFinal(signed.getBytes(StandardCharsets.US_ASCII)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is not available in this JVM", e);
    }
  }

  /** The auth section as the service would read it (files and environment), the rest unchecked. */
  private static AuthConfig authConfig(Map<String, String> env) {
    try {
      AppConfig config = ConfigLoader.load(env).await(1, TimeUnit.MINUTES);
      return config.auth();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(e.getMessage());
    } catch (Exception e) {
      throw new IllegalArgumentException("the configuration could not be read: " + e);
    }
  }

  private static String required(String option, String value) {
    if (value == null || value.startsWith("--")) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return value;
  }

  private static Duration ttl(String text) {
    Duration ttl = ConfigLoader.duration(text);
    if (ttl == null || ttl.isZero() || ttl.compareTo(MAX_TTL) > 0) {
      throw new IllegalArgumentException("--ttl must be a duration such as 900, 30m or 12h, at most 30 days");
    }
    return ttl;
  }
}
