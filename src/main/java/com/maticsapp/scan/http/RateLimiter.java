package com.maticsapp.scan.http;

import com.maticsapp.scan.config.RateLimitConfig;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Iterator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * Token buckets per client, one limiter per process, shared by every HTTP verticle instance
 * (so a client gets the same budget whichever event loop its connection landed on).
 *
 * <p>Each bucket holds up to {@code burst} tokens and refills at {@code requestsPerSecond};
 * a request takes one token or is refused. Buckets are refilled lazily from a nanosecond clock
 * when used, so an idle client costs nothing but its entry. Keys starting with {@code ip:}
 * (clients known only by their address) get the {@code unauthenticated*} pair, all others the
 * normal one.
 *
 * <p>Memory is bounded: when {@code maxKeys} clients are tracked and a new one arrives, the
 * buckets that have refilled completely are dropped (losslessly: a new bucket starts full), and
 * if that frees too little, arbitrary others are dropped until a tenth of the room is free
 * (their clients start again with a full bucket; this only happens with more than
 * {@code maxKeys} clients active within a few seconds).
 */
public final class RateLimiter {

  private static final Logger log = LoggerFactory.getLogger(RateLimiter.class);
  private static final double NANOS_PER_SECOND = 1e9;

  /** Prefix of the keys of clients known only by their network address. */
  public static final String IP_PREFIX = "ip:";

  private final boolean enabled;
  private final Limit normal;
  private final Limit unauthenticated;
  private final int maxKeys;
  private final LongSupplier nanoClock;
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
  private final AtomicBoolean sweeping = new AtomicBoolean();

  /** A sustained rate (tokens per second) and a bucket size. */
  record Limit(double perSecond, double burst) {}

  RateLimiter(RateLimitConfig config, LongSupplier nanoClock) {
    this.enabled = config.enabled();
    this.normal = new Limit(config.requestsPerSecond(), config.burst());
    this.unauthenticated = new Limit(config.unauthenticatedRequestsPerSecond(), config.unauthenticatedBurst());
    this.maxKeys = config.maxKeys();
    this.nanoClock = nanoClock;
  }

  /** The process's limiter, on the system's monotonic clock. */
  public static RateLimiter create(RateLimitConfig config) {
    return new RateLimiter(config, System::nanoTime);
  }

  /**
   * The key of a request without a verified caller: its address ({@code ip:<address>}), with
   * the unauthenticated limits. A verified caller is counted as {@link #callerKey}.
   */
  static String clientKey(RoutingContext ctx) {
    SocketAddress remote = ctx.request().remoteAddress();
    String address = remote == null ? null : remote.hostAddress();
    return IP_PREFIX + (address == null ? "unknown" : address);
  }

  /** {@code user:<id>} or {@code guest:<pairing id>}, with the normal limits. */
  static String callerKey(com.maticsapp.scan.auth.Caller caller) {
    return caller.isGuest() ? "guest:" + caller.guest().pairingId() : "user:" + caller.userId();
  }

  public boolean enabled() {
    return enabled;
  }

  static boolean isUnauthenticated(String key) {
    return key.startsWith(IP_PREFIX);
  }

  /**
   * Takes a token from {@code key}'s bucket: 0 when the request may pass, otherwise how many
   * nanoseconds until the bucket holds a token again (at least 1).
   */
  long acquire(String key) {
    long now = nanoClock.getAsLong();
    Bucket bucket = buckets.get(key);
    if (bucket == null) {
      if (buckets.size() >= maxKeys) {
        makeRoom(now);
      }
      Limit limit = isUnauthenticated(key) ? unauthenticated : normal;
      bucket = buckets.computeIfAbsent(key, k -> new Bucket(limit, now));
    }
    return bucket.take(now);
  }

  /** Whole seconds to announce in {@code Retry-After} for a wait of {@code nanos}: at least 1. */
  static long retryAfterSeconds(long nanos) {
    return Math.max(1, (nanos + TimeUnit.SECONDS.toNanos(1) - 1) / TimeUnit.SECONDS.toNanos(1));
  }

  /** How many clients are tracked now. */
  int trackedKeys() {
    return buckets.size();
  }

  /**
   * Drops the full buckets, then, if fewer than a tenth of {@code maxKeys} became free, any
   * others until that much is. One thread sweeps at a time; the others go on meanwhile (the
   * map may briefly hold a few more than {@code maxKeys} entries).
   */
  private void makeRoom(long now) {
    if (!sweeping.compareAndSet(false, true)) {
      return;
    }
    try {
      buckets.values().removeIf(bucket -> bucket.full(now));
      int target = maxKeys - Math.max(1, maxKeys / 10);
      int dropped = 0;
      for (Iterator<Bucket> it = buckets.values().iterator(); buckets.size() > target && it.hasNext(); ) {
        it.next();
        it.remove();
        dropped++;
      }
      if (dropped > 0) {
        log.warn("rate limiter: more than {} clients active (rateLimit.maxKeys); dropped {} partly used buckets",
            maxKeys, dropped);
      }
    } finally {
      sweeping.set(false);
    }
  }

  /** One client's bucket; its methods are synchronized, it is touched by any event loop. */
  static final class Bucket {

    private final Limit limit;
    private double tokens;
    private long updated;

    Bucket(Limit limit, long now) {
      this.limit = limit;
      this.tokens = limit.burst();
      this.updated = now;
    }

    synchronized long take(long now) {
      refill(now);
      if (tokens >= 1) {
        tokens -= 1;
        return 0;
      }
      return Math.max(1, (long) Math.ceil((1 - tokens) * NANOS_PER_SECOND / limit.perSecond()));
    }

    synchronized boolean full(long now) {
      refill(now);
      return tokens >= limit.burst();
    }

    private void refill(long now) {
      long elapsed = now - updated;
      if (elapsed > 0) {
        tokens = Math.min(limit.burst(), tokens + elapsed * limit.perSecond() / NANOS_PER_SECOND);
        updated = now;
      }
    }
  }
}
