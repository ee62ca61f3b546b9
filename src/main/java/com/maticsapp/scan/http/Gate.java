package com.maticsapp.scan.http;

import com.maticsapp.scan.auth.Authenticator;

/**
 * What every HTTP verticle instance of one process shares at the front door: the token
 * verifier (and its cache of verified tokens), the rate limiter's buckets, the counts of
 * failed pairing claims and of open live scan streams. Made once by the application, handed
 * to each instance.
 */
public record Gate(Authenticator authenticator, RateLimiter limiter, ClaimGuard claims, StreamSlots streams) {}
