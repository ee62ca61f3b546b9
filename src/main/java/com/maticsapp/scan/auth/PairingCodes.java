package com.maticsapp.scan.auth;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Locale;

/**
 * Pairing codes: 12 characters of Crockford base32 (no I, L, O or U, so nothing is misread off
 * a screen), shown as {@code XXXX-XXXX-XXXX}. The first {@link #SELECTOR_LENGTH} characters
 * select the pairing (stored as is, not secret); the remaining {@link #SECRET_LENGTH} are the
 * secret (35 bits, stored only as its SHA-256, compared in constant time). With at most a few
 * wrong secrets allowed per pairing before it locks ({@code auth.pairing.maxFailedClaims}),
 * guessing one live pairing succeeds with probability about 5 / 2^35 ≈ 1.5 × 10^-10.
 */
public final class PairingCodes {

  private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
  public static final int SELECTOR_LENGTH = 5;
  public static final int SECRET_LENGTH = 7;
  public static final int LENGTH = SELECTOR_LENGTH + SECRET_LENGTH;
  private static final SecureRandom RANDOM = new SecureRandom();

  private PairingCodes() {}

  /** A code as the service stores it (selector + secret) and as the client types it. */
  public record Code(String selector, String secret) {
    public String display() {
      String all = selector + secret;
      return all.substring(0, 4) + "-" + all.substring(4, 8) + "-" + all.substring(8);
    }

    public byte[] secretHash() {
      return BearerCredentials.sha256(secret);
    }
  }

  public static Code generate() {
    char[] chars = new char[LENGTH];
    for (int i = 0; i < LENGTH; i++) {
      chars[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
    }
    String code = new String(chars);
    return new Code(code.substring(0, SELECTOR_LENGTH), code.substring(SELECTOR_LENGTH));
  }

  /**
   * What a person typed or a QR scanner read, made canonical: separators and spaces dropped,
   * upper-cased, the letters Crockford reads as digits (O → 0, I and L → 1) mapped. Null when
   * it cannot be a code.
   */
  public static Code parse(String input) {
    if (input == null || input.length() > 64) {
      return null;
    }
    StringBuilder canonical = new StringBuilder(LENGTH);
    for (char c : input.toUpperCase(Locale.ROOT).toCharArray()) {
      if (c == '-' || c == ' ') {
        continue;
      }
      char mapped = switch (c) {
        case 'O' -> '0';
        case 'I', 'L' -> '1';
        default -> c;
      };
      if (indexOf(mapped) < 0) {
        return null;
      }
      canonical.append(mapped);
    }
    if (canonical.length() != LENGTH) {
      return null;
    }
    String code = canonical.toString();
    return new Code(code.substring(0, SELECTOR_LENGTH), code.substring(SELECTOR_LENGTH));
  }

  /** Whether the typed secret matches the stored hash; constant time in the secret's content. */
  public static boolean matches(Code code, byte[] storedHash) {
    return storedHash != null && MessageDigest.isEqual(code.secretHash(), storedHash);
  }

  private static int indexOf(char c) {
    for (int i = 0; i < ALPHABET.length; i++) {
      if (ALPHABET[i] == c) {
        return i;
      }
    }
    return -1;
  }
}
