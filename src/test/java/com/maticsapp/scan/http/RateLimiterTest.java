package com.maticsapp.scan.http;

import com.maticsapp.scan.config.RateLimitConfig;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The token-bucket arithmetic on a clock the test moves by hand. */
class RateLimiterTest {

  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  /** Authenticated 50/s, burst 200; unauthenticated 10/s, burst 40; 100 keys at most. */
  private static final RateLimitConfig DEFAULTS = new RateLimitConfig(true, 50, 200, 10, 40, 100);

  /** Starts far from zero: nothing may depend on the clock's origin. */
  private final AtomicLong clock = new AtomicLong(123_456_789_000L);
  private final RateLimiter limiter = new RateLimiter(DEFAULTS, clock::get);

  @Test
  void aNewClientMaySendItsBurstAtOnceAndIsThenToldWhenTheNextTokenComes() {
    for (int i = 0; i < 40; i++) {
      assertThat(limiter.acquire("ip:10.0.0.1")).as("request %d", i + 1).isZero();
    }

    assertThat(limiter.acquire("ip:10.0.0.1")).as("one token every 100 ms at 10/s").isEqualTo(SECOND / 10);
  }

  @Test
  void theBucketRefillsAtTheSustainedRate() {
    drain("ip:10.0.0.1", 40);

    clock.addAndGet(SECOND / 20);
    assertThat(limiter.acquire("ip:10.0.0.1")).as("half a token: 50 ms still to wait").isEqualTo(SECOND / 20);
    clock.addAndGet(SECOND / 20);
    assertThat(limiter.acquire("ip:10.0.0.1")).as("a whole token after 100 ms").isZero();
    assertThat(limiter.acquire("ip:10.0.0.1")).isEqualTo(SECOND / 10);

    clock.addAndGet(SECOND);
    assertThat(drain("ip:10.0.0.1", 100)).as("ten tokens after another second").isEqualTo(10);
  }

  @Test
  void aLongIdleBucketHoldsNoMoreThanItsBurst() {
    drain("ip:10.0.0.1", 40);

    clock.addAndGet(TimeUnit.HOURS.toNanos(5));

    assertThat(drain("ip:10.0.0.1", 1_000)).isEqualTo(40);
  }

  @Test
  void addressKeysGetTheUnauthenticatedLimitsAndIdentitiesTheNormalOnes() {
    assertThat(drain("ip:10.0.0.1", 1_000)).isEqualTo(40);
    assertThat(drain("user:42", 1_000)).isEqualTo(200);
    assertThat(drain("guest:pairing-7", 1_000)).isEqualTo(200);

    assertThat(limiter.acquire("user:42")).as("one token every 20 ms at 50/s").isEqualTo(SECOND / 50);
  }

  @Test
  void clientsHaveIndependentBuckets() {
    drain("ip:10.0.0.1", 40);

    assertThat(limiter.acquire("ip:10.0.0.2")).isZero();
    assertThat(limiter.acquire("ip:10.0.0.1")).isPositive();
  }

  @Test
  void retryAfterIsTheWaitInWholeSecondsRoundedUpAndAtLeastOne() {
    assertThat(RateLimiter.retryAfterSeconds(1)).isEqualTo(1);
    assertThat(RateLimiter.retryAfterSeconds(SECOND / 5)).isEqualTo(1);
    assertThat(RateLimiter.retryAfterSeconds(SECOND)).isEqualTo(1);
    assertThat(RateLimiter.retryAfterSeconds(SECOND + 1)).isEqualTo(2);
    assertThat(RateLimiter.retryAfterSeconds(59 * SECOND / 2)).isEqualTo(30);
  }

  @Test
  void aSlowRateAnnouncesTheWholeWait() {
    RateLimiter slow = new RateLimiter(new RateLimitConfig(true, 1, 1, 1, 1, 100), clock::get);
    slow.acquire("ip:10.0.0.1");

    clock.addAndGet(SECOND / 4);

    assertThat(RateLimiter.retryAfterSeconds(slow.acquire("ip:10.0.0.1"))).isEqualTo(1);
    assertThat(slow.acquire("ip:10.0.0.1")).isEqualTo(3 * SECOND / 4);
  }

  @Test
  void whenFullItDropsTheBucketsThatHaveRefilledAndKeepsTheOnesInUse() {
    drain("ip:hot", 40);
    for (int i = 0; i < 99; i++) {
      limiter.acquire("ip:10.0.1." + i); // one token each: full again after 100 ms
    }
    assertThat(limiter.trackedKeys()).isEqualTo(100);

    clock.addAndGet(SECOND / 2); // the hot client has 5 tokens back, the others are full
    assertThat(limiter.acquire("ip:newcomer")).isZero();

    assertThat(limiter.trackedKeys()).as("the hot client and the newcomer").isEqualTo(2);
    assertThat(drain("ip:hot", 100)).as("the hot client's bucket was kept, not reset").isEqualTo(5);
  }

  @Test
  void whenNoBucketHasRefilledItStillBoundsTheNumberOfClients() {
    for (int i = 0; i < 1_000; i++) {
      limiter.acquire("ip:10.0." + (i / 250) + "." + (i % 250));
      assertThat(limiter.trackedKeys()).isLessThanOrEqualTo(100);
    }
  }

  @Test
  void concurrentRequestsOfOneClientTakeExactlyItsBurst() throws InterruptedException {
    int threads = 8;
    AtomicInteger admitted = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread worker = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        for (int i = 0; i < 100; i++) {
          if (limiter.acquire("user:shared") == 0) {
            admitted.incrementAndGet();
          }
        }
      });
      worker.start();
      workers.add(worker);
    }
    start.countDown();
    for (Thread worker : workers) {
      worker.join(10_000);
    }

    assertThat(admitted).hasValue(200);
  }

  @Test
  void theClientKeyPrefixDecidesWhichLimitsApply() {
    assertThat(RateLimiter.isUnauthenticated("ip:127.0.0.1")).isTrue();
    assertThat(RateLimiter.isUnauthenticated("user:42")).isFalse();
    assertThat(RateLimiter.isUnauthenticated("guest:abc")).isFalse();
  }

  /** Takes up to {@code max} tokens from {@code key} without moving the clock; returns how many it got. */
  private int drain(String key, int max) {
    int taken = 0;
    while (taken < max && limiter.acquire(key) == 0) {
      taken++;
    }
    return taken;
  }
}
