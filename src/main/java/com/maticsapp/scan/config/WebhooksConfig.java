package com.maticsapp.scan.config;

import java.time.Duration;

/**
 * Webhook delivery (docs/configuration.md, "webhooks").
 *
 * <ul>
 *   <li>{@code enabled}: whether this instance runs a dispatcher. Events are written to the
 *       outbox either way (by the statements that commit them), so an instance without one
 *       loses nothing; another instance, or this one once enabled, delivers them.</li>
 *   <li>{@code allowPrivateTargets}, {@code allowHttp}: refused in production; loopback,
 *       private, link-local and metadata addresses and plain http are for development and
 *       tests only.</li>
 *   <li>{@code attemptTimeout}: one attempt's deadline, connect to last byte.</li>
 *   <li>{@code pollInterval}: while enabled endpoints exist, how often the dispatcher looks for
 *       deliveries nobody told it about (written by an instance without a dispatcher). Its own
 *       instance's commits wake it at once, and retries and expired leases it knows of are
 *       claimed when they fall due.</li>
 *   <li>{@code idleCheckInterval}: while no enabled endpoint exists, the dispatcher sends
 *       nothing but this one check, so an idle instance leaves its connection alone (a pooler
 *       can close it). An endpoint created or enabled on this instance, or announced by
 *       another member of a cluster, ends the idleness at once.</li>
 *   <li>{@code claimBatch}: deliveries claimed per statement; {@code lease}: how long a claim
 *       holds before another instance may take the delivery over (longer than an attempt).</li>
 *   <li>{@code maxInFlight}, {@code maxInFlightPerEndpoint}: requests on the wire, in all and
 *       per endpoint, so a slow endpoint holds only its own share.</li>
 *   <li>{@code initialBackoff}, {@code maxBackoff}: retry n waits a random time between half
 *       and all of {@code min(maxBackoff, initialBackoff * 2^(n-1))}; {@code retryFor}: how long
 *       after the event retries go on (at least 72h in production).</li>
 *   <li>{@code disableAfter}: an endpoint whose every delivery failed for this long is disabled,
 *       with the reason.</li>
 *   <li>{@code rotationOverlap}: how long the old secret still signs after a rotation.</li>
 *   <li>{@code retention}: how long delivered or failed deliveries and their attempts stay in
 *       the log.</li>
 *   <li>{@code responseSnippetBytes}: how much of a response body the log keeps.</li>
 *   <li>{@code maxEndpointsPerWorkspace}: a bound on each workspace's fan-out.</li>
 * </ul>
 */
public record WebhooksConfig(
    boolean enabled,
    boolean allowPrivateTargets,
    boolean allowHttp,
    Duration attemptTimeout,
    Duration pollInterval,
    Duration idleCheckInterval,
    int claimBatch,
    Duration lease,
    int maxInFlight,
    int maxInFlightPerEndpoint,
    Duration initialBackoff,
    Duration maxBackoff,
    Duration retryFor,
    Duration disableAfter,
    Duration rotationOverlap,
    Duration retention,
    int responseSnippetBytes,
    int maxEndpointsPerWorkspace) {

  static WebhooksConfig from(ConfigReader webhooks, boolean production) {
    boolean allowPrivate = webhooks.bool("allowPrivateTargets", false);
    boolean allowHttp = webhooks.bool("allowHttp", false);
    if (production && allowPrivate) {
      allowPrivate = webhooks.invalid(webhooks.key("allowPrivateTargets"), "must be false in production", false);
    }
    if (production && allowHttp) {
      allowHttp = webhooks.invalid(webhooks.key("allowHttp"), "must be false in production", false);
    }
    Duration attemptTimeout = webhooks.duration("attemptTimeout", Duration.ofSeconds(10), Duration.ofMillis(100), Duration.ofMinutes(2));
    Duration lease = webhooks.duration("lease", Duration.ofSeconds(60), Duration.ofMillis(500), Duration.ofHours(1));
    if (lease.compareTo(attemptTimeout) <= 0) {
      lease = webhooks.invalid(webhooks.key("lease"), "must be longer than webhooks.attemptTimeout ("
          + attemptTimeout.toMillis() + "ms), or a slow attempt's delivery is taken over while it runs", attemptTimeout.plusSeconds(1));
    }
    Duration retryFor = webhooks.duration("retryFor", Duration.ofHours(72), Duration.ofSeconds(1), Duration.ofDays(30));
    if (production && retryFor.compareTo(Duration.ofHours(72)) < 0) {
      retryFor = webhooks.invalid(webhooks.key("retryFor"), "must be at least 72h in production", Duration.ofHours(72));
    }
    Duration initialBackoff = webhooks.duration("initialBackoff", Duration.ofSeconds(5), Duration.ofMillis(10), Duration.ofHours(1));
    Duration maxBackoff = webhooks.duration("maxBackoff", Duration.ofHours(6), Duration.ofMillis(10), Duration.ofDays(1));
    if (maxBackoff.compareTo(initialBackoff) < 0) {
      maxBackoff = webhooks.invalid(webhooks.key("maxBackoff"), "must not be shorter than webhooks.initialBackoff", initialBackoff);
    }
    int maxInFlight = webhooks.integer("maxInFlight", 256, 1, 10_000);
    return new WebhooksConfig(
        webhooks.bool("enabled", true),
        allowPrivate,
        allowHttp,
        attemptTimeout,
        webhooks.duration("pollInterval", Duration.ofSeconds(1), Duration.ofMillis(10), Duration.ofMinutes(1)),
        webhooks.duration("idleCheckInterval", Duration.ofSeconds(10), Duration.ofMillis(100), Duration.ofHours(1)),
        webhooks.integer("claimBatch", 100, 1, 1_000),
        lease,
        maxInFlight,
        webhooks.integer("maxInFlightPerEndpoint", 16, 1, maxInFlight),
        initialBackoff,
        maxBackoff,
        retryFor,
        webhooks.duration("disableAfter", Duration.ofDays(5), Duration.ofSeconds(1), Duration.ofDays(60)),
        webhooks.duration("rotationOverlap", Duration.ofHours(24), Duration.ZERO, Duration.ofDays(30)),
        webhooks.duration("retention", Duration.ofDays(30), Duration.ofMinutes(1), Duration.ofDays(365)),
        webhooks.integer("responseSnippetBytes", 1_024, 0, 65_536),
        webhooks.integer("maxEndpointsPerWorkspace", 20, 1, 1_000));
  }
}
