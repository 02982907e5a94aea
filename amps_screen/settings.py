"""amps_screen settings: one file, read from the environment.

Safe by default: DEBUG is off, a secret key is required unless DEBUG is on, and an
empty or unset DATABASE_URL means the embedded SQLite database.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from xstatic.pkg import bootstrap as xstatic_bootstrap

BASE_DIR = Path(__file__).resolve().parent.parent

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}."
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {value}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def read_env_file(path: str) -> None:
    """Load KEY=VALUE lines from an env file (the same `.env` docker compose reads) into the
    environment. Variables already set win. DJANGO_ENV_FILE names another file; empty: none."""
    if not path or not os.path.isfile(path):
        return
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            key, value = line.split("=", 1)
            os.environ.setdefault(key.strip(), value.strip().strip("'\""))


read_env_file(os.environ.get("DJANGO_ENV_FILE", str(BASE_DIR / ".env")))

DEBUG = env_bool("DJANGO_DEBUG", default=False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "").strip()
if not SECRET_KEY:
    if DEBUG:
        SECRET_KEY = "insecure-development-key-only-used-with-DJANGO_DEBUG"  # noqa: S105
    elif os.environ.get("AMPS_MANAGEMENT_COMMAND") != "1":
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off. "
            "Set it to a long random string (see .env.example)."
        )
    # Else manage.py (makemigrations, migrate, check, …): the key stays empty, so whatever
    # would sign something (a session, a password reset) is refused by Django, never signed
    # with a made-up key. Serving (wsgi.py) still needs the key.

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "corsheaders",
    "django_tasks_db",
    "intake",
    "accounts",
    "audit",
    "documents",
    "interop",
    "jobs",
    "exports",
    "sso",
    "smart",
    "privacy",
    "imports",
    "oncall",
    "cachetable",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A NUL or a lone surrogate anywhere in the request: 400 before anything keeps it.
    "amps_screen.inputs.RefuseUnstorableInputMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "accounts.middleware.NoStoreMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "amps_screen.urls"
WSGI_APPLICATION = "amps_screen.wsgi.application"

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
                "django.template.context_processors.csp",
                "intake.context_processors.roles",
                "sso.context_processors.sign_in",
            ],
        },
    },
]

# An empty DATABASE_URL means SQLite too: dj_database_url.config() returns {} for "".
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
CONN_MAX_AGE = max(env_int("CONN_MAX_AGE", 60), 1)
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=CONN_MAX_AGE, conn_health_checks=True
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "db.sqlite3",
            "CONN_MAX_AGE": CONN_MAX_AGE,
            "CONN_HEALTH_CHECKS": True,
        }
    }

# A database that accepts connections and never answers must not hang every request: a
# connection gives up after AMPS_DB_CONNECT_TIMEOUT seconds, and on PostgreSQL a statement
# after AMPS_DB_STATEMENT_TIMEOUT_MS (0: none). manage.py commands (migrate, seed_demo, …)
# have no statement timeout unless the variable is set; pages and /healthz always do.
DB_CONNECT_TIMEOUT = env_int("AMPS_DB_CONNECT_TIMEOUT", 5)
if DB_CONNECT_TIMEOUT < 1:
    raise ImproperlyConfigured(
        f"AMPS_DB_CONNECT_TIMEOUT must be 1 or more seconds; got {DB_CONNECT_TIMEOUT}."
    )
DB_STATEMENT_TIMEOUT_MS = env_int(
    "AMPS_DB_STATEMENT_TIMEOUT_MS",
    0 if os.environ.get("AMPS_MANAGEMENT_COMMAND") == "1" else 30_000,
)
if DB_STATEMENT_TIMEOUT_MS < 0:
    raise ImproperlyConfigured(
        f"AMPS_DB_STATEMENT_TIMEOUT_MS must be 0 (none) or more; got {DB_STATEMENT_TIMEOUT_MS}."
    )
# /healthz gives the database this long to answer SELECT 1 (PostgreSQL), then answers 503.
HEALTHZ_STATEMENT_TIMEOUT_MS = 2_000
_database = DATABASES["default"]
_options = _database.setdefault("OPTIONS", {})
if _database["ENGINE"] == "django.db.backends.postgresql":
    _options.setdefault("connect_timeout", DB_CONNECT_TIMEOUT)
    if DB_STATEMENT_TIMEOUT_MS:
        _server_options = _options.get("options", "")
        _options["options"] = (
            f"{_server_options} -c statement_timeout={DB_STATEMENT_TIMEOUT_MS}".strip()
        )
elif _database["ENGINE"] == "django.db.backends.sqlite3":
    # Several gunicorn workers write one file: start every transaction holding the write lock
    # (a second writer waits up to 20 s instead of failing with "database is locked"), and
    # WAL so readers never wait for a writer.
    _options.setdefault("transaction_mode", "IMMEDIATE")
    _options.setdefault("timeout", 20)
    _options.setdefault("init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# -- Shared state: several app servers share one database (and, if set, one Redis) -----------
# Sessions and login lockouts (django-axes) are database rows already. Django's cache is the
# database cache by default (its table made by `manage.py migrate`: the cachetable app), so every
# process sees the same entries; REDIS_URL with AMPS_CACHE=redis moves it to Redis.
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").strip()
AMPS_CACHE = os.environ.get("AMPS_CACHE", "database").strip().lower()
if AMPS_CACHE == "database":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "amps_cache",
        }
    }
elif AMPS_CACHE == "redis":
    CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    raise ImproperlyConfigured(f"AMPS_CACHE must be database or redis; got {AMPS_CACHE!r}.")

# Background tasks: Django's Tasks framework. The database backend (django-tasks-db) keeps
# tasks in this same database and needs no other service; a worker runs them
# (`manage.py task_worker`, started by `make run`). AMPS_TASKS_BACKEND=rq queues them in Redis
# (REDIS_URL) for the same `manage.py task_worker`; `immediate` runs each task inside the
# request that starts it (tests and one-off scripts only).
AMPS_TASKS_BACKEND = os.environ.get("AMPS_TASKS_BACKEND", "database").strip().lower()
if AMPS_TASKS_BACKEND == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
elif AMPS_TASKS_BACKEND == "rq":
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 3600}}
elif AMPS_TASKS_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
else:
    raise ImproperlyConfigured(
        f"AMPS_TASKS_BACKEND must be database, rq or immediate; got {AMPS_TASKS_BACKEND!r}."
    )
# A running task whose progress has not moved for this long is taken for one whose worker died:
# it is queued again once, then marked failed (jobs.services.recover_stalled_jobs).
AMPS_JOB_STALL_SECONDS = env_int("AMPS_JOB_STALL_SECONDS", 120, minimum=1)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out username + IP before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Passwords (and Django's permissions). AMPS_PASSWORD_SIGN_IN=0 leaves it out: the single
    # sign-on backend, a ModelBackend too, then answers the permission checks alone.
    *(
        ["django.contrib.auth.backends.ModelBackend"]
        if env_bool("AMPS_PASSWORD_SIGN_IN", True)
        else []
    ),
    # OpenID Connect sign-in: only the callback's authorization code authenticates with it.
    "sso.backend.SingleSignOnBackend",
]

# -- Single sign-on (OpenID Connect, the sso app) and SMART on FHIR EHR launch (the smart app) --
# The provider's discovery document (<issuer>/.well-known/openid-configuration) gives the
# endpoints; empty: no single sign-on, password sign-in only.
AMPS_OIDC_ISSUER = os.environ.get("AMPS_OIDC_ISSUER", "").strip().rstrip("/")
AMPS_OIDC_CLIENT_ID = os.environ.get("AMPS_OIDC_CLIENT_ID", "").strip()
AMPS_OIDC_CLIENT_SECRET = os.environ.get("AMPS_OIDC_CLIENT_SECRET", "").strip()
AMPS_OIDC_SCOPES = os.environ.get("AMPS_OIDC_SCOPES", "").strip() or "openid profile email groups"
AMPS_OIDC_ROLE_CLAIM = os.environ.get("AMPS_OIDC_ROLE_CLAIM", "").strip() or "groups"
# "claim value=Group name" pairs, comma-separated (checked against the roles by sso's checks).
AMPS_OIDC_ROLE_MAP = os.environ.get("AMPS_OIDC_ROLE_MAP", "").strip()
AMPS_OIDC_NAME = os.environ.get("AMPS_OIDC_NAME", "").strip() or "your organisation"
# amr values that count as the second factor; none: the app's own TOTP is always asked.
AMPS_OIDC_MFA_AMR = env_list("AMPS_OIDC_MFA_AMR", [])
AMPS_PASSWORD_SIGN_IN = env_bool("AMPS_PASSWORD_SIGN_IN", default=True)
if not AMPS_PASSWORD_SIGN_IN and not AMPS_OIDC_ISSUER:
    raise ImproperlyConfigured(
        "AMPS_PASSWORD_SIGN_IN=0 needs AMPS_OIDC_ISSUER: no one could sign in."
    )
# Seconds an outgoing call to the provider or an EHR may take.
AMPS_OIDC_TIMEOUT = env_int("AMPS_OIDC_TIMEOUT", 10, minimum=1)
# mozilla-django-oidc reads these (the endpoints come from discovery: sso.provider).
OIDC_RP_CLIENT_ID = AMPS_OIDC_CLIENT_ID
OIDC_RP_CLIENT_SECRET = AMPS_OIDC_CLIENT_SECRET
OIDC_RP_SCOPES = AMPS_OIDC_SCOPES
OIDC_RP_SIGN_ALGO = os.environ.get("AMPS_OIDC_SIGN_ALGO", "").strip() or "RS256"
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_TIMEOUT = AMPS_OIDC_TIMEOUT
OIDC_STORE_ID_TOKEN = False  # no token kept: sign-out names our client_id instead
OIDC_AUTHENTICATE_CLASS = "sso.views.SignInStart"
OIDC_CALLBACK_CLASS = "sso.views.SignInCallback"
OIDC_OP_LOGOUT_URL_METHOD = "sso.provider.provider_logout_url"
LOGIN_REDIRECT_URL_FAILURE = "/sso/refused/"  # a path: the library does not reverse it
OIDC_AUTHENTICATION_CALLBACK_URL = "sso:callback"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Files served at the site root by WhiteNoise, before any sign-in: the favicon browsers ask for.
WHITENOISE_ROOT = BASE_DIR / "public"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("bootstrap", xstatic_bootstrap.BASE_DIR),
]
# Files the app writes (background exports): never served directly, only through views that
# check who asks. Several app servers need it shared (a volume, or another storage backend).
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", "") or BASE_DIR / "var" / "files")
# Files written there (exports: patient data) are the app's own: owner only, whatever the umask.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# -- Security (safe by default; DJANGO_DEBUG relaxes only what local HTTP needs) --------------

SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY", default=False)
PROXY_COUNT = env_int("DJANGO_PROXY_COUNT", 1)
if PROXY_COUNT < 1:
    raise ImproperlyConfigured(f"DJANGO_PROXY_COUNT must be 1 or more; got {PROXY_COUNT}.")
if BEHIND_PROXY:
    # Only behind a proxy that sets this header itself (and strips it from clients).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# The client's address, for the sign-in lockout and the access log (one rule for both:
# django-axes' django-ipware support, read by audit.access.client_address too). Without a
# proxy: the connection's address; X-Forwarded-For is ignored, whoever sends it. Behind
# DJANGO_PROXY_COUNT proxies that each append the address they saw to X-Forwarded-For: the
# entry the outermost proxy appended (counted from the right, so addresses a client puts in
# the header itself are never believed); without the header, the connection's address.
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if BEHIND_PROXY else ("REMOTE_ADDR",)
)
AXES_IPWARE_PROXY_ORDER = "left-most"
AXES_IPWARE_PROXY_COUNT = PROXY_COUNT - 1 if BEHIND_PROXY else None
# Not strict: a longer chain (a client-sent X-Forwarded-For in front of the proxies' entries)
# still gives the proxies' entry instead of falling back to the proxy's own address.
IPWARE_STRICT = False
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    # data: for the small SVG icons inside Bootstrap's CSS (check marks, select arrows).
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Sign-out posts to our own page, which redirects to the provider's end_session_endpoint: the
# browser checks that redirect against form-action, so the provider's origin is allowed there.
if AMPS_OIDC_ISSUER:
    SECURE_CSP["form-action"] = [CSP.SELF, "/".join(AMPS_OIDC_ISSUER.split("/")[:3])]

# An EHR may show the app in an iframe: frame-ancestors lists only these origins. Then the
# X-Frame-Options header (which cannot name origins) is left out, and the session and CSRF
# cookies are SameSite=None (always Secure: HTTPS only) so they are sent inside the frame.
# Without it every page stays DENY.
AMPS_EHR_FRAME_ORIGINS = env_list("AMPS_EHR_FRAME_ORIGINS", [])
for _origin in AMPS_EHR_FRAME_ORIGINS:
    if not _origin.startswith(("https://", "http://")) or _origin.count("/") != 2:
        raise ImproperlyConfigured(
            f"AMPS_EHR_FRAME_ORIGINS holds origins (https://ehr.example.org); got {_origin!r}."
        )
if AMPS_EHR_FRAME_ORIGINS:
    SECURE_CSP["frame-ancestors"] = AMPS_EHR_FRAME_ORIGINS
    MIDDLEWARE.remove("django.middleware.clickjacking.XFrameOptionsMiddleware")
    # security.W002 asks for X-Frame-Options: the CSP's frame-ancestors allow-list replaces it.
    SILENCED_SYSTEM_CHECKS = ["security.W002"]
    SESSION_COOKIE_SAMESITE = "None"
    CSRF_COOKIE_SAMESITE = "None"

# Browser features the app never uses, denied to every page (django-permissions-policy).
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "ambient-light-sensor",
        "autoplay",
        "bluetooth",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "local-fonts",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "screen-wake-lock",
        "serial",
        "usb",
        "web-share",
        "xr-spatial-tracking",
    )
}

# Sessions: signed out after 15 idle minutes (sliding, checked on the server) and after
# 12 hours whatever happens; the page warns a minute before the idle limit.
SESSION_IDLE_TIMEOUT = env_int("AMPS_SESSION_IDLE_SECONDS", 15 * 60)
SESSION_ABSOLUTE_TIMEOUT = env_int("AMPS_SESSION_ABSOLUTE_SECONDS", 12 * 60 * 60)
SESSION_IDLE_WARNING = 60
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Two-factor authentication (TOTP) for every user; off by default only with DJANGO_DEBUG.
AMPS_REQUIRE_2FA = env_bool("AMPS_REQUIRE_2FA", default=not DEBUG)
OTP_TOTP_ISSUER = "amps_screen"
# Enrolling an authenticator needs a one-time enrolment code from an administrator.
AMPS_ENROLMENT_CODE_HOURS = env_int("AMPS_ENROLMENT_CODE_HOURS", 72)

# Login throttling: 5 failures for a username (from any address, so rotating addresses does
# not help) lock that username, and 5 failures from one address (for any usernames) lock that
# address, each for the cool-off (AMPS_LOCKOUT_COOLOFF_MINUTES, counted from the last failure
# before the lockout) or until unlocked (`python manage.py axes_reset_username USERNAME`, or
# the admin's access attempts). A sign-in clears that user's own failures only.
AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
LOCKOUT_COOLOFF_MINUTES = env_int("AMPS_LOCKOUT_COOLOFF_MINUTES", 15)
if LOCKOUT_COOLOFF_MINUTES < 1:
    raise ImproperlyConfigured(
        f"AMPS_LOCKOUT_COOLOFF_MINUTES must be 1 or more; got {LOCKOUT_COOLOFF_MINUTES}."
    )
AXES_COOLOFF_TIME = timedelta(minutes=LOCKOUT_COOLOFF_MINUTES)
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_HANDLER = "accounts.lockout.LockoutHandler"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Exports: the secret that keys patient pseudonyms and per-patient date shifts (HMAC-SHA256).
# Limited and de-identified exports refuse to run without it unless DJANGO_DEBUG is on (then a
# development key derived from SECRET_KEY is used). Keep it secret and keep it: another key
# gives every patient another pseudonym and another date shift.
AMPS_EXPORT_PSEUDONYM_KEY = os.environ.get("AMPS_EXPORT_PSEUDONYM_KEY", "")
# An export of more intakes than this runs as a background job with a progress bar (the file
# is kept in the default storage, under exports/); a smaller one is streamed at once.
AMPS_EXPORT_BACKGROUND_ROWS = env_int("AMPS_EXPORT_BACKGROUND_ROWS", 5000, minimum=1)
# Such a file holds patient data: it can be downloaded for this many hours after it is
# written, then it is deleted (by the next export, the task worker's start, or
# `manage.py delete_expired_exports` from cron).
AMPS_EXPORT_FILE_HOURS = env_int("AMPS_EXPORT_FILE_HOURS", 24, minimum=1)
# Imports (a REDCap export loaded as historic intakes): each uploaded or named CSV file (the
# data dictionary, the data) may be at most this many bytes; a larger one is refused unread.
# 10,000 visits with every column take about 6 MB.
AMPS_IMPORT_MAX_BYTES = env_int("AMPS_IMPORT_MAX_BYTES", 20_000_000, minimum=1024)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# django-simple-history records who made each change (HistoryRequestMiddleware).
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# -- Interoperability: FHIR R4 reads and the CDS Hooks service (the interop app) ---------------
# The public base URL of this site (https://amps.clinic.example): canonical URLs and the JWT
# audience of the CDS service are built on it. Empty: the URL each request came in on.
AMPS_BASE_URL = os.environ.get("AMPS_BASE_URL", "").strip().rstrip("/")

# Email (the on-call team's emergency notification, oncall/), through Django's mailers: with
# DJANGO_DEBUG the console backend prints each message; otherwise SMTP from the EMAIL_*
# variables. The timeout fails an attempt on a server that never answers (then retried).
if DEBUG:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ.get("EMAIL_HOST", "localhost").strip(),
                "port": env_int("EMAIL_PORT", 25, minimum=1),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", default=False),
                "timeout": env_int("EMAIL_TIMEOUT", 20, minimum=1),
            },
        }
    }
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "amps-screen@localhost").strip()
# The clinic's MRN identifier system (Patient.identifier.system); empty: <base>/fhir/sid/mrn.
AMPS_MRN_SYSTEM = os.environ.get("AMPS_MRN_SYSTEM", "").strip()
# A SMART app launch URL to offer on CDS Hooks cards (type "smart"); empty: none.
AMPS_SMART_LAUNCH_URL = os.environ.get("AMPS_SMART_LAUNCH_URL", "").strip()
AMPS_CDS_MAX_REQUEST_BYTES = env_int("AMPS_CDS_MAX_REQUEST_BYTES", 1_000_000, minimum=1024)
# A completed QuestionnaireResponse the EHR prefetches is screened for the card and nothing is
# stored. On: it is also stored, once, as a submitted intake of the patient we know by MRN
# (made by the EHR's own account, which cannot sign in), so it reaches the review queue.
AMPS_CDS_STORE_RESPONSES = env_bool("AMPS_CDS_STORE_RESPONSES", False)
# When a call brings no usable prefetch, the service reads the EHR's FHIR server (`fhirServer`,
# with the call's bearer token), only a server allow-listed on the CDS client, over https.
# Plain http is allowed only to a loopback address, and only with this on (tests, DEBUG).
AMPS_CDS_FHIR_ALLOW_HTTP = env_bool("AMPS_CDS_FHIR_ALLOW_HTTP", DEBUG)
# Seconds each read of the EHR's FHIR server may take (connect, then read).
AMPS_CDS_FHIR_TIMEOUT = env_int("AMPS_CDS_FHIR_TIMEOUT", 3, minimum=1)
# django-cors-headers: only the CDS Hooks endpoints, only for the EHR origins configured.
CORS_ALLOWED_ORIGINS = env_list("AMPS_CDS_CORS_ORIGINS", [])
CORS_URLS_REGEX = r"^/cds-services(/.*)?$"
CORS_ALLOW_METHODS = ("GET", "OPTIONS", "POST")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"refusal_one_line": {"()": "amps_screen.logging.RefusalWithoutTraceback"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["refusal_one_line"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own default config gives "django" a console handler of its own (in DEBUG)
        # and lets it propagate to the root's too: every line came out twice.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # WeasyPrint logs every step of every PDF at INFO.
        "weasyprint.progress": {"level": "WARNING"},
    },
}
