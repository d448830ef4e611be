"""The app as gunicorn runs it in tests/test_ratelimit_redis.py: rate limits on, counters in Redis.

Configured from the environment the test sets: ENVOY_TEST_DATABASE_URL (a SQLite file shared by
the processes), TEST_REDIS_URL, ENVOY_TEST_KEY_PREFIX (unique per run) and ENVOY_TEST_SIGNIN_RATE.
"""

import os

from app import create_app

app = create_app(
    {
        "SECRET_KEY": "ratelimit-redis-test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": os.environ["ENVOY_TEST_DATABASE_URL"],
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": os.environ["TEST_REDIS_URL"],
        "RATELIMIT_KEY_PREFIX": os.environ["ENVOY_TEST_KEY_PREFIX"],
        "SIGNIN_RATE_PER_IP": os.environ["ENVOY_TEST_SIGNIN_RATE"],
        "SIGNIN_RATE_PER_EMAIL": "1000/minute",
        "WTF_CSRF_ENABLED": False,
        "SESSION_COOKIE_SECURE": False,
        # No seals into the checkout's instance folder (tests/conftest.py checks): this test is about limits.
        "AUDIT_SEAL_INTERVAL_SECONDS": 0,
    }
)
