"""Settings for the plan portal, read from the environment.

A newcomer needs nothing set: SQLite in the project folder, DEBUG on, a dev secret key.
A city sets DATABASE_URL (PostgreSQL through psycopg 3), DJANGO_SECRET_KEY, DJANGO_DEBUG=0,
DJANGO_ALLOWED_HOSTS and, with several app servers, REDIS_URL.

Over 400 lines, one job: each setting stands with the reason for its value.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name, "")
    if not value:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", default=False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=1 for a development key)."
        )
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production"

# The origin of every absolute URL in public pages and downloads (canonical and hreflang
# links, sitemap, feeds, CSV), e.g. https://plan.example.gov.tw. Unset (development), they
# follow the request's host, and the page cache keys by host.
PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "").rstrip("/")
# The release being served (a deploy sets it, e.g. to the commit): part of every cache key,
# so a shared cache never serves pages of the previous release. `check --deploy` requires
# it; unset, it is a hash of the code, templates and static files
# (portal.serving.caching.release).
PORTAL_RELEASE = os.environ.get("PORTAL_RELEASE", "")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
if PORTAL_BASE_URL:
    from urllib.parse import urlsplit

    ALLOWED_HOSTS.append(urlsplit(PORTAL_BASE_URL).hostname)

INSTALLED_APPS = [
    # modeltranslation patches the admin, so it comes before django.contrib.admin.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "treebeard",
    "reversion",
    # django-axes, named in Chinese in the admin (staff.third_party).
    "staff.third_party.AxesConfig",
    "corsheaders",
    # Two-factor sign-in for staff (django-otp: authenticator apps and backup codes).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "plan",
    "progress",
    # The glossary, topics and SDGs (editorial additions beside the plan).
    "knowledge",
    "portal",
    # Staff accounts: two-factor sign-in, password rules, idle logout, dormant accounts,
    # the audit trail (docs/staff-security.md). After the apps whose admins it adjusts.
    "staff",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Open data (/data/…) may be read by any website; before the page cache, so that cached
    # answers and their 304s carry the header too.
    "corsheaders.middleware.CorsMiddleware",
    # Public requests get the canonical origin (PORTAL_BASE_URL) before anything builds a URL.
    "portal.serving.page_cache.CanonicalOriginMiddleware",
    # Serves whole citizen pages from the cache before the rest of the stack runs; what it
    # stores already carries the headers the middleware below adds.
    "portal.serving.page_cache.PageCacheMiddleware",
    # /zh-hans/ pages: the Traditional page converted to Simplified characters, inside the
    # page cache so that the cache keeps the converted page (converted once per version).
    "portal.serving.simplified.SimplifiedChineseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "portal.serving.middleware.DatabaseUnavailableMiddleware",
    # LocaleMiddleware before SessionMiddleware: the language comes from the URL prefix only,
    # so public responses do not get "Vary: Cookie" and can be cached whole.
    "django.middleware.locale.LocaleMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): has this session passed the second factor?
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # The admin's rules for staff sessions: idle logout, a required password change,
    # two-factor enrolment and verification (staff.middleware).
    "staff.middleware.StaffSecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.serving.middleware.ErrorPagesMiddleware",
    # Last, as django-axes requires: turns a locked-out login into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.site",
            ],
        },
    },
]

# An empty DATABASE_URL means the default, not "no database"; the SQLite path is absolute
# so the database does not follow the current directory.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    )
}
# Never a new connection per request (that alone cut a page's throughput to a fifth here):
# Django's psycopg 3 pool when DATABASE_URL says "?pool=true" (it refuses CONN_MAX_AGE),
# otherwise persistent connections, checked before reuse.
if DATABASES["default"].get("OPTIONS", {}).get("pool") is True:
    # Wait at most this long for a pooled connection: when the database is down, a request
    # gets its 503 page in seconds rather than after psycopg's default 30.
    DATABASES["default"]["OPTIONS"]["pool"] = {
        "timeout": float(os.environ.get("DJANGO_POOL_TIMEOUT", "3")),
        # psycopg_pool retries a lost connection with a doubling delay (1, 2, 4 … s) for up
        # to this long, then lets the next request try at once: after an outage of any
        # length, pages come back within seconds, not after a backoff of minutes.
        "reconnect_timeout": float(os.environ.get("DJANGO_POOL_RECONNECT_TIMEOUT", "5")),
    }
if not DATABASES["default"].get("OPTIONS", {}).get("pool"):
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("DJANGO_CONN_MAX_AGE", "600"))
# Check a connection before reusing it (with the pool: as the pool hands it out), so after a
# database restart dead connections are replaced instead of failing a request each.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("DJANGO_CACHE_PREFIX", "plan-portal"),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            # Room for every page of a few plans in both languages.
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }

# Progress lights (progress.rollup.light): points below the progress expected by today that
# still give a green light, and a yellow one; further behind is red.
PROGRESS_LIGHTS = {"green": 10, "yellow": 25}
# Pages show an average over a vision's (or the goal's) strategies only when at least this
# share of them report; below it they say "Not enough reported" (the open data still
# carries the mean, marked `withheld`).
PROGRESS_COVERAGE_MIN = 0.5

# Whole-page cache for citizen pages (portal.serving.page_cache): seconds an entry lives
# (0 = off), and the seconds shared caches (nginx's micro-cache, a CDN) may reuse a page
# without asking; browsers always revalidate (max-age=0), cheaply, with the ETag.
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "86400"))
PAGE_SHARED_MAX_AGE = int(os.environ.get("PAGE_SHARED_MAX_AGE", "2"))

AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses logins from a locked-out user or address.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # At least three of: lower-case, upper-case, digits, other characters.
    {"NAME": "staff.validators.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    # Not one of the previous three passwords (their hashes are kept, staff.PasswordHistory).
    {"NAME": "staff.validators.PasswordHistoryValidator"},
]

# Traditional Chinese is the source language of the plan and the site's default (no URL
# prefix); English lives under /en/. The first entry is modeltranslation's default language.
LANGUAGE_CODE = "zh-hant"
LANGUAGES = [
    ("zh-hant", _("Traditional Chinese")),
    ("en", _("English")),
    # A reading of the Traditional text converted to Simplified characters as pages leave
    # (portal.serving.simplified); no data of its own: modeltranslation knows only the two
    # above.
    ("zh-hans", _("Simplified Chinese")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Taipei"
USE_TZ = True

MODELTRANSLATION_DEFAULT_LANGUAGE = "zh-hant"
MODELTRANSLATION_LANGUAGES = ("zh-hant", "en")
MODELTRANSLATION_REQUIRED_LANGUAGES = ("zh-hant",)
# modeltranslation's tabs load jQuery UI from Google's CDN unless told otherwise (the setting
# has no MODELTRANSLATION_ prefix): host it, so not even the admin makes third-party requests.
JQUERY_UI_URL = "portal/vendor/jquery-ui.min.js"

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # The manifest storage needs collectstatic first; development and tests use plain storage.
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("DJANGO_MANIFEST_STATIC", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}

# The admin's address; a city may move it away from the well-known /admin/.
ADMIN_URL = os.environ.get("DJANGO_ADMIN_URL", "admin/").strip("/") + "/"

# The largest request the admin takes, in MB: a progress CSV upload (progress.upload says
# so on the page) and any form. It must equal client_max_body_size in deploy/nginx.conf
# (a test compares them), where a larger request gets static/errors/413.html. Django's own
# limits follow: form data beyond it is refused, and an upload within it stays in memory.
PROGRESS_UPLOAD_MAX_MB = 2
DATA_UPLOAD_MAX_MEMORY_SIZE = FILE_UPLOAD_MAX_MEMORY_SIZE = PROGRESS_UPLOAD_MAX_MB * 1024 * 1024

# The portal's name in each language; a city running its own portal sets these.
SITE_NAME = {
    "zh-hant": os.environ.get("PORTAL_SITE_NAME_ZH", "高雄市政府中程施政計畫"),
    "en": os.environ.get("PORTAL_SITE_NAME_EN", "Kaohsiung City Government Mid-Term Plan"),
}
SITE_AUTHORITY = {
    "zh-hant": os.environ.get("PORTAL_AUTHORITY_ZH", "高雄市政府"),
    "en": os.environ.get("PORTAL_AUTHORITY_EN", "Kaohsiung City Government"),
}

# Security -------------------------------------------------------------------------------
# HTTPS: a city's deployment sets DJANGO_HTTPS=1 (and DJANGO_BEHIND_PROXY=1 when a proxy or
# load balancer terminates TLS and sends X-Forwarded-Proto).
HTTPS = env_bool("DJANGO_HTTPS")
SECURE_SSL_REDIRECT = HTTPS and env_bool("DJANGO_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000" if HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS and env_bool("DJANGO_HSTS_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = HTTPS and env_bool("DJANGO_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
if env_bool("DJANGO_BEHIND_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # The client's address for login lockouts is the proxy's X-Forwarded-For entry.
    AXES_IPWARE_PROXY_COUNT = int(os.environ.get("DJANGO_PROXY_COUNT", "1"))
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline scripts or styles anywhere (templates are written for it), nothing from other
# sites, no framing. The admin works under the same policy (tested in the browser).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Browser features the portal never uses, turned off (django-permissions-policy).
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "browsing-topics",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
}
# Open data: read-only, public, for any website (django-cors-headers), nothing else.
CORS_URLS_REGEX = r"^/data/"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_EXPOSE_HEADERS = ["ETag", "Content-Disposition"]

# Login lockout (django-axes): 5 failures lock that user name and, separately, that address
# for 30 minutes. A superuser unlocks early in the admin (Axes › access attempts: delete)
# or with `manage.py axes_reset_username NAME` / `axes_reset_ip ADDRESS`.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
# Failures are forgotten only after a complete sign-in, second factor included
# (staff.audit resets them then): a correct password alone must not wipe out the count of
# wrong two-factor codes.
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"

# Staff accounts (staff app, docs/staff-security.md) -------------------------------------
# Two-factor sign-in (authenticator app or backup code) for every staff account. Only a
# developer's machine turns it off (`make run` does, and says so); `check --deploy` fails
# while it is off.
STAFF_2FA_REQUIRED = env_bool("STAFF_2FA_REQUIRED", default=True)
# Wrong codes are limited by the sign-in lockout (django-axes: five, then 30 minutes), one
# rule for passwords and codes; django-otp's own growing delays would only turn a correct
# code typed a second too soon into one more failure.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# The name authenticator apps show next to the code.
STAFF_2FA_ISSUER = os.environ.get("STAFF_2FA_ISSUER", SITE_NAME["zh-hant"])
# A staff session ends after this many idle minutes (the admin warns two minutes before) and
# when the browser closes.
STAFF_IDLE_TIMEOUT_MINUTES = int(os.environ.get("STAFF_IDLE_TIMEOUT_MINUTES", "15"))
STAFF_IDLE_WARNING_SECONDS = int(os.environ.get("STAFF_IDLE_WARNING_SECONDS", "120"))
SESSION_COOKIE_AGE = STAFF_IDLE_TIMEOUT_MINUTES * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Only the admin ever receives or sets a session or CSRF cookie: public pages stay
# cookie-free and cacheable whole.
SESSION_COOKIE_PATH = CSRF_COOKIE_PATH = "/" + ADMIN_URL
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
# The CSRF cookie, too, ends with the browser session.
CSRF_COOKIE_AGE = None
# Messages live in the session, not in a cookie of their own (which would be set for "/").
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
# Passwords: the next sign-in must change a password older than this (days), and one set by
# an administrator; a new password may not repeat the previous STAFF_PASSWORD_HISTORY.
STAFF_PASSWORD_MAX_AGE_DAYS = int(os.environ.get("STAFF_PASSWORD_MAX_AGE_DAYS", "180"))
STAFF_PASSWORD_HISTORY = int(os.environ.get("STAFF_PASSWORD_HISTORY", "3"))
# Accounts unused for this many days are disabled (`manage.py disable_dormant_accounts`,
# daily from deploy/cron).
STAFF_DORMANT_DAYS = int(os.environ.get("STAFF_DORMANT_DAYS", "90"))
# The audit trail keeps events this many days (`manage.py prune_audit`, from deploy/cron).
STAFF_AUDIT_RETENTION_DAYS = int(os.environ.get("STAFF_AUDIT_RETENTION_DAYS", "365"))
LOGIN_URL = "admin:login"
# Password reset links: one use, valid this long (Django's tokens).
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT_MINUTES", "60")) * 60

# E-mail (password reset links, the reporting routine's reminders: docs/reminders.md).
# Development prints mails on the console (`make run`); SMTP whenever EMAIL_HOST is set.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
# Implicit TLS (port 465) or STARTTLS (587, the default): Django refuses both at once, so
# EMAIL_USE_SSL=1 turns the STARTTLS default off.
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=False)
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=not EMAIL_USE_SSL)
EMAIL_TIMEOUT = 10
# The sender, with the portal's name: a deployment sets its own address, e.g.
# DEFAULT_FROM_EMAIL='"高雄市政府中程施政計畫" <noreply@plan.kcg.gov.tw>' (reminders add
# SITE_NAME to an address given without a name).
DEFAULT_FROM_EMAIL = (
    os.environ.get("DEFAULT_FROM_EMAIL") or f'"{SITE_NAME["zh-hant"]}" <noreply@localhost>'
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# The reporting routine's reminders (`manage.py send_reminders`, daily from deploy/cron):
# agency editors are reminded this many days before a period's deadline of what they still
# owe (each number once), and reviewers are told of drafts waiting longer than
# PROGRESS_REVIEW_WAIT_DAYS. Checked at start-up (progress.E002, progress.E003).
PROGRESS_REMINDER_DAYS = [
    int(day) if day.isdigit() else day for day in env_list("PROGRESS_REMINDER_DAYS", "7,2")
]
PROGRESS_REVIEW_WAIT_DAYS = int(os.environ.get("PROGRESS_REVIEW_WAIT_DAYS", "5"))

# The data catalog (/data/catalog.json, portal.pages.opendata.catalog;
# docs/open-data-catalog.md).
# Who answers questions about the data (data.gov.tw's 提供機關聯絡人): a name and an e-mail
# address or telephone number (international form, e.g. +886-7-3368333). Never made up:
# unset, the catalog says null and `check --deploy` warns (portal.W001).
OPEN_DATA_CONTACT = {
    "name": os.environ.get("OPEN_DATA_CONTACT_NAME", ""),
    "email": os.environ.get("OPEN_DATA_CONTACT_EMAIL", ""),
    "phone": os.environ.get("OPEN_DATA_CONTACT_PHONE", ""),
}
# The area the data is about (dct:spatial).
OPEN_DATA_SPATIAL = {
    "zh-hant": os.environ.get("OPEN_DATA_SPATIAL_ZH", "高雄市"),
    "en": os.environ.get("OPEN_DATA_SPATIAL_EN", "Kaohsiung City"),
}
