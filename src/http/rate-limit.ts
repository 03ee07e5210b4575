// Per-credential rate limits (SPEC §3) with rate-limiter-flexible: each class allows `perMinute` requests a
// minute plus a `burst` allowance on top (BurstyRateLimiter), in memory for one process or in Redis when
// REDIS_URL is set so several processes share the buckets. Card-network traffic is never limited.
import { BurstyRateLimiter, RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Redis } from 'ioredis';
import type { Environment } from '../domain/environment.js';
import { AppError } from '../domain/errors.js';
import type { RateLimitClass, RateLimitConfig, RateLimitRule } from '../config.js';

const windowSeconds = 60;

export interface RateLimitOutcome {
  headers: Record<string, string>;
}

interface ClassLimiter {
  rule: RateLimitRule;
  limiter: BurstyRateLimiter;
}

export class RateLimiter {
  private readonly limiters = new Map<string, ClassLimiter>();

  constructor(
    private readonly config: RateLimitConfig,
    private readonly redis: Redis | undefined,
    private readonly onStoreError: (error: unknown) => void = () => {},
  ) {}

  ruleFor(rateClass: RateLimitClass, environment: Environment): RateLimitRule {
    const base = this.config[rateClass];
    const multiplier = environment === 'sandbox' ? this.config.sandboxMultiplier : 1;
    return { perMinute: base.perMinute * multiplier, burst: base.burst * multiplier };
  }

  private limiterFor(rateClass: RateLimitClass, environment: Environment): ClassLimiter {
    const name = `${rateClass}:${environment}`;
    let entry = this.limiters.get(name);
    if (entry === undefined) {
      const rule = this.ruleFor(rateClass, environment);
      const make = (keyPrefix: string, points: number): RateLimiterAbstract =>
        this.redis === undefined
          ? new RateLimiterMemory({ keyPrefix, points, duration: windowSeconds })
          : new RateLimiterRedis({ storeClient: this.redis, keyPrefix, points, duration: windowSeconds, rejectIfRedisNotReady: true });
      entry = {
        rule,
        limiter: new BurstyRateLimiter(make(`cardrail:rl:${name}`, rule.perMinute), make(`cardrail:rl:${name}:burst`, Math.max(1, rule.burst))),
      };
      this.limiters.set(name, entry);
    }
    return entry;
  }

  /** Takes one request from the credential's bucket; throws 429 `rate_limited` when it is empty. */
  async consume(credentialId: string, rateClass: RateLimitClass, environment: Environment): Promise<RateLimitOutcome> {
    const { rule, limiter } = this.limiterFor(rateClass, environment);
    const policy = `"${rateClass}";q=${rule.perMinute};w=${windowSeconds}`;
    try {
      const result = await limiter.consume(credentialId);
      return {
        headers: {
          'RateLimit-Policy': policy,
          RateLimit: `"${rateClass}";r=${Math.max(0, result.remainingPoints)};t=${Math.ceil(result.msBeforeNext / 1000)}`,
        },
      };
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        const retryAfterSeconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
        throw new AppError('rate_limited', { retryAfterSeconds }, {
          'RateLimit-Policy': policy,
          RateLimit: `"${rateClass}";r=0;t=${retryAfterSeconds}`,
          'Retry-After': String(retryAfterSeconds),
        });
      }
      // The limiter's store failed (Redis down): serve the request rather than fail it, and say so in the logs.
      this.onStoreError(rejection);
      return { headers: {} };
    }
  }
}
