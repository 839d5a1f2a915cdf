//! Settings: the server's and the database's, each a command-line flag
//! with an environment fallback. The commands that take them are in
//! [`crate::cli`].

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use clap::{Args, ValueEnum};

use crate::auth::throttle::{LoginClock, Policy};

/// Where the database is and how to talk to it.
#[derive(Debug, Clone, Args)]
pub struct DatabaseSettings {
    /// The database: a SQLite file (`balint.db`, `sqlite://balint.db`) or a
    /// PostgreSQL URL (`postgres://user@host/db`).
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://balint.db")]
    pub database_url: String,
    /// Most database connections held open at once.
    #[arg(long, env = "DATABASE_POOL_SIZE", default_value_t = 8)]
    pub pool_size: u32,
    /// How long a request waits for a database connection before it is
    /// answered with 503, in milliseconds.
    #[arg(long, env = "DATABASE_TIMEOUT_MS", default_value_t = 3000)]
    pub db_timeout_ms: u64,
    /// How long opening a PostgreSQL connection may take, in seconds
    /// (libpq's `connect_timeout`, which takes 2 for anything less).
    #[arg(long, env = "DATABASE_CONNECT_TIMEOUT_SECS", default_value_t = 5)]
    pub db_connect_timeout_secs: u64,
    /// How long one request's database work may take once it has its
    /// connection, in milliseconds: past it `serve` answers 503 (a database
    /// gone silent), and PostgreSQL cancels a statement that runs longer
    /// (`statement_timeout`). SQLite waits this long for the write lock
    /// (`busy_timeout`). The other commands wait as long for the lock, but
    /// their statements are not cut short: an import may take longer.
    #[arg(long, env = "DATABASE_STATEMENT_TIMEOUT_MS", default_value_t = 10_000)]
    pub db_statement_timeout_ms: u64,
    /// TCP keepalive of PostgreSQL connections, in seconds: an idle
    /// connection is probed after this long without traffic and given up
    /// after 3 unanswered probes a third of this apart, and one whose sent
    /// data the network has not acknowledged for this long is closed
    /// (`tcp_user_timeout`). 0 leaves the operating system's defaults.
    #[arg(long, env = "DATABASE_KEEPALIVE_SECS", default_value_t = 10)]
    pub db_keepalive_secs: u64,
}

impl DatabaseSettings {
    /// Settings for `url` with the default pool size and timeouts.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            database_url: url.into(),
            pool_size: 8,
            db_timeout_ms: 3000,
            db_connect_timeout_secs: 5,
            db_statement_timeout_ms: 10_000,
            db_keepalive_secs: 10,
        }
    }

    /// The wait for a pooled connection.
    pub fn connection_timeout(&self) -> Duration {
        Duration::from_millis(self.db_timeout_ms.max(1))
    }

    /// The longest a request's database work may take once connected.
    pub fn statement_timeout(&self) -> Duration {
        Duration::from_millis(self.db_statement_timeout_ms.max(1))
    }
}

/// The login throttle's numbers (see `auth::throttle`).
#[derive(Debug, Clone, Args)]
pub struct LoginSettings {
    /// Failed logins for one email before each further attempt, right or
    /// wrong, must wait out a back-off since the last one.
    #[arg(long, env = "LOGIN_FREE_FAILURES", default_value_t = 5)]
    pub login_free_failures: u32,
    /// Failed logins from one client address, whatever the emails, before
    /// each further attempt from it must wait out a back-off.
    #[arg(long, env = "LOGIN_ADDRESS_FREE_FAILURES", default_value_t = 20)]
    pub login_address_free_failures: u32,
    /// The first back-off, in milliseconds; it doubles with each further
    /// failure.
    #[arg(long, env = "LOGIN_BACKOFF_MS", default_value_t = 1000)]
    pub login_backoff_ms: u64,
    /// The longest back-off, in milliseconds.
    #[arg(long, env = "LOGIN_BACKOFF_MAX_MS", default_value_t = 300_000)]
    pub login_backoff_max_ms: u64,
}

impl Default for LoginSettings {
    fn default() -> Self {
        Self {
            login_free_failures: 5,
            login_address_free_failures: 20,
            login_backoff_ms: 1000,
            login_backoff_max_ms: 300_000,
        }
    }
}

impl LoginSettings {
    /// The throttle's policy.
    pub fn policy(&self) -> Policy {
        let first_delay = Duration::from_millis(self.login_backoff_ms);
        Policy {
            account_free: self.login_free_failures,
            address_free: self.login_address_free_failures,
            first_delay,
            max_delay: Duration::from_millis(self.login_backoff_max_ms).max(first_delay),
        }
    }
}

/// Scheduled backups of the SQLite database, taken by `serve` (see
/// `db::backup`). Off unless `BACKUP_DIR` is set; refused on PostgreSQL,
/// which is backed up with `pg_dump`.
#[derive(Debug, Clone, Args)]
pub struct BackupSettings {
    /// The directory scheduled backups are written to (created if
    /// missing); none: no scheduled backups.
    #[arg(long, env = "BACKUP_DIR")]
    pub backup_dir: Option<std::path::PathBuf>,
    /// Hours between scheduled backups; the first is taken as the server
    /// starts.
    #[arg(long, env = "BACKUP_EVERY_HOURS", default_value_t = 24,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub backup_every_hours: u64,
    /// How many scheduled backups to keep: the newest; older ones are
    /// deleted after each new one.
    #[arg(long, env = "BACKUP_KEEP", default_value_t = 7,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub backup_keep: u64,
}

impl Default for BackupSettings {
    fn default() -> Self {
        Self {
            backup_dir: None,
            backup_every_hours: 24,
            backup_keep: 7,
        }
    }
}

impl BackupSettings {
    /// The time between scheduled backups.
    pub fn every(&self) -> Duration {
        Duration::from_secs(self.backup_every_hours.max(1).saturating_mul(3600))
    }
}

/// The outbox's worker and its webhook deliveries (see `crate::webhooks`).
#[derive(Debug, Clone, Args)]
pub struct WebhookSettings {
    /// How often the worker looks for events to fan out and deliveries
    /// due, in milliseconds.
    #[arg(long, env = "OUTBOX_POLL_MS", default_value_t = 1000,
          value_parser = clap::value_parser!(u64).range(10..))]
    pub outbox_poll_ms: u64,
    /// How long one delivery may take (connecting, sending, the answer),
    /// in seconds; past it the try has failed. A delivery is leased to
    /// the server sending it for twice as long.
    #[arg(long, env = "WEBHOOK_TIMEOUT_SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=300))]
    pub webhook_timeout_secs: u64,
    /// The waits between a delivery's tries, in seconds, comma-separated:
    /// after the last one fails the delivery is dead (the default, about
    /// 28 hours in all: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h).
    #[arg(
        long,
        env = "WEBHOOK_RETRY_SECS",
        default_value = "5,300,1800,7200,18000,36000,36000"
    )]
    pub webhook_retry_secs: RetrySchedule,
    /// Allow endpoints on loopback, private and link-local addresses
    /// (for tests and closed networks only).
    #[arg(long, env = "WEBHOOK_ALLOW_PRIVATE", default_value_t = false, action = clap::ArgAction::Set)]
    pub webhook_allow_private: bool,
    /// Run the worker (fan-out, deliveries, the daily renewal reminders)
    /// in this server; `false` for a server that only answers requests.
    #[arg(long, env = "OUTBOX_WORKER", default_value_t = true, action = clap::ArgAction::Set)]
    pub outbox_worker: bool,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            outbox_poll_ms: 1000,
            webhook_timeout_secs: 10,
            webhook_retry_secs: RetrySchedule::default(),
            webhook_allow_private: false,
            outbox_worker: true,
        }
    }
}

/// E-mail made from the outbox's events, sent by the outbox's worker
/// (see `crate::mail`). With no `SMTP_URL` the messages are kept, shown to
/// the registrar as not sent, and sent once a server is set.
#[derive(Debug, Clone, Default, Args)]
pub struct MailSettings {
    /// The mail server: `smtp://HOST:PORT` (plain, for a relay on the same
    /// host or network), `smtp://HOST:PORT?tls=required` (STARTTLS) or
    /// `smtps://HOST:PORT` (TLS from the start), with the login in the URL
    /// where the server asks for one (`smtps://USER:PASSWORD@HOST`, both
    /// percent-encoded). None: no e-mail is sent.
    #[arg(long, env = "SMTP_URL")]
    pub smtp_url: Option<String>,
    /// The sender of every message, e.g. `Balint register
    /// <register@example.org>`. Needed with `SMTP_URL`.
    #[arg(long, env = "SMTP_FROM")]
    pub smtp_from: Option<String>,
    /// How long connecting to the mail server and sending one message may
    /// take, in seconds; past it the try has failed and is tried again
    /// later (on the webhooks' schedule, `WEBHOOK_RETRY_SECS`).
    #[arg(long, env = "SMTP_TIMEOUT_SECS", default_value_t = 20,
          value_parser = clap::value_parser!(u64).range(1..=300))]
    pub smtp_timeout_secs: u64,
    /// How long an attestor's digest gathers the records asking for their
    /// answer before it is sent, in seconds (a day: one message a day at
    /// most).
    #[arg(long, env = "MAIL_DIGEST_SECS", default_value_t = 86_400,
          value_parser = clap::value_parser!(u64).range(1..=604_800))]
    pub mail_digest_secs: u64,
}

impl MailSettings {
    /// The defaults of `serve` with no flags: no mail server.
    pub fn new() -> Self {
        Self {
            smtp_timeout_secs: 20,
            mail_digest_secs: 86_400,
            ..Self::default()
        }
    }

    /// The longest one message may take to send.
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.smtp_timeout_secs.max(1))
    }

    /// How long a digest gathers.
    pub fn digest(&self) -> chrono::Duration {
        chrono::Duration::seconds(i64::try_from(self.mail_digest_secs.max(1)).unwrap_or(86_400))
    }
}

/// Verifiable credentials: where the service is reached from outside (its
/// `did:web` identity), and the key that seals the issuers' signing keys.
#[derive(Debug, Clone, Default, Args)]
pub struct CredentialSettings {
    /// The address the service is reached at from outside, `https://HOST`
    /// or `https://HOST:PORT` without a path: the societies' `did:web`
    /// identities, the status lists' and the verification page's links
    /// are made from it. Default: `http://localhost:` and the port
    /// `serve` listens on, which is right only for trying the service out.
    #[arg(long, env = "PUBLIC_URL")]
    pub public_url: Option<String>,
    /// The society (by slug) that issues as the host's own DID
    /// (`did:web:HOST`, its document at `/.well-known/did.json`); every
    /// other society issues as `did:web:HOST:societies:SLUG`. Set it once,
    /// before the society's first credential: a credential names its
    /// issuer for good.
    #[arg(long, env = "ISSUER_SOCIETY")]
    pub issuer_society: Option<String>,
    /// A file holding the credential key (64 hexadecimal digits), which
    /// seals the societies' signing keys in the database. Created, readable
    /// by its owner only, when missing. Default: beside the SQLite
    /// database (`balint.db.credential-key`), or `balint-credential.key`
    /// in the working directory for PostgreSQL. Back it up apart from the
    /// database. The environment variable `CREDENTIAL_KEY` (the 64 digits
    /// themselves) takes precedence over the file.
    #[arg(long, env = "CREDENTIAL_KEY_FILE")]
    pub credential_key_file: Option<std::path::PathBuf>,
    /// The credential key itself, when not from `CREDENTIAL_KEY` or a file
    /// (tests).
    #[arg(skip)]
    pub credential_key: Option<String>,
    /// How long a status list credential is valid, in minutes: what a
    /// verifier may cache it for, and so how soon it learns of a
    /// suspension or revocation.
    #[arg(long, env = "STATUS_LIST_MINUTES", default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..=10_080))]
    pub status_list_minutes: u32,
}

impl CredentialSettings {
    /// The defaults of `serve` with no flags.
    pub fn new() -> Self {
        Self {
            status_list_minutes: 10,
            ..Self::default()
        }
    }

    /// The credential key: `CREDENTIAL_KEY`, else the key file (made when
    /// missing) for the database at `database_url`.
    pub fn load_key(&self, database_url: &str) -> anyhow::Result<crate::vc::CredentialKey> {
        use crate::vc::CredentialKey;
        let given = self
            .credential_key
            .clone()
            .or_else(|| std::env::var("CREDENTIAL_KEY").ok())
            .filter(|k| !k.trim().is_empty());
        if let Some(text) = given {
            return CredentialKey::parse(&text).map_err(|e| anyhow::anyhow!("CREDENTIAL_KEY: {e}"));
        }
        let file = match &self.credential_key_file {
            Some(file) => file.clone(),
            None => match crate::db::DatabaseLocation::from_url(database_url) {
                crate::db::DatabaseLocation::Sqlite(path) => {
                    std::path::PathBuf::from(format!("{path}.credential-key"))
                }
                _ => std::path::PathBuf::from("balint-credential.key"),
            },
        };
        match std::fs::read_to_string(&file) {
            Ok(text) => CredentialKey::parse(&text)
                .map_err(|e| anyhow::anyhow!("credential key file {}: {e}", file.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let key = CredentialKey::generate();
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                let mut out = options.open(&file).map_err(|e| {
                    anyhow::anyhow!(
                        "cannot create the credential key file {}: {e}",
                        file.display()
                    )
                })?;
                std::io::Write::write_all(&mut out, format!("{}\n", key.to_hex()).as_bytes())?;
                tracing::warn!(
                    file = %file.display(),
                    "credential key created: back it up apart from the database"
                );
                Ok(key)
            }
            Err(e) => Err(anyhow::anyhow!(
                "cannot read the credential key file {}: {e}",
                file.display()
            )),
        }
    }
}

impl WebhookSettings {
    /// The time between the worker's looks.
    pub fn poll(&self) -> Duration {
        Duration::from_millis(self.outbox_poll_ms.max(10))
    }

    /// The longest a delivery may take.
    pub fn timeout(&self) -> Duration {
        Duration::from_secs(self.webhook_timeout_secs.max(1))
    }

    /// How long a delivery is leased to the server sending it: twice its
    /// timeout, so a delivery still running is never taken over.
    pub fn lease(&self) -> Duration {
        self.timeout() * 2
    }
}

/// The waits between a delivery's tries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule(pub Vec<Duration>);

impl Default for RetrySchedule {
    fn default() -> Self {
        Self(
            [5, 300, 1800, 7200, 18_000, 36_000, 36_000]
                .into_iter()
                .map(Duration::from_secs)
                .collect(),
        )
    }
}

impl std::str::FromStr for RetrySchedule {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        s.split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(|a| {
                a.parse::<u64>()
                    .map(Duration::from_secs)
                    .map_err(|_| format!("{a:?} is not a number of seconds"))
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }
}

/// Everything `serve` needs.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    #[command(flatten)]
    pub database: DatabaseSettings,
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// Log filter, e.g. `info` or `balint_accredit_api=debug,info`.
    #[arg(long, env = "RUST_LOG", default_value = "info")]
    pub log_level: String,
    /// Log line format.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// HTTP worker threads; 0 means one per CPU core.
    #[arg(long, env = "WORKERS", default_value_t = 0)]
    pub workers: usize,
    /// How long a login token stays valid, in minutes.
    #[arg(long, env = "TOKEN_LIFETIME_MINUTES", default_value_t = 480)]
    pub token_lifetime_minutes: u32,
    /// Password hashing cost. `fast` is for tests only.
    #[arg(long, env = "PASSWORD_HASHING", value_enum, default_value_t = PasswordHashing::Standard)]
    pub password_hashing: PasswordHashing,
    /// Largest JSON request body accepted, in bytes.
    #[arg(long, env = "JSON_LIMIT_BYTES", default_value_t = 1024 * 1024)]
    pub json_limit_bytes: usize,
    /// Mark the web pages' sign-in cookie `Secure`, so browsers send it over
    /// HTTPS only. Turn it off only to sign in over plain HTTP during
    /// development: `--cookie-secure false` or `COOKIE_SECURE=false`.
    #[arg(long, env = "COOKIE_SECURE", default_value_t = true, action = clap::ArgAction::Set)]
    pub cookie_secure: bool,
    /// How long, in milliseconds, the public register held in memory is
    /// trusted before the database is asked whether it changed. Writes
    /// through this server are seen at once; writes by another server or
    /// the command line within this time. 0: ask on every request.
    #[arg(long, env = "PUBLIC_REGISTER_REFRESH_MS", default_value_t = 1000)]
    pub public_register_refresh_ms: u64,
    #[command(flatten)]
    pub login: LoginSettings,
    #[command(flatten)]
    pub backup: BackupSettings,
    #[command(flatten)]
    pub webhooks: WebhookSettings,
    #[command(flatten)]
    pub mail: MailSettings,
    #[command(flatten)]
    pub credentials: CredentialSettings,
    /// Reverse proxies in front of the server, by address, comma-separated
    /// (e.g. `127.0.0.1,10.0.0.2`). A request from one of them is taken to
    /// come from the address it names in `X-Forwarded-For`, which is read
    /// from no one else. The login throttle counts by this address.
    #[arg(
        long,
        env = "TRUSTED_PROXIES",
        default_value = "",
        hide_default_value = true
    )]
    pub trusted_proxies: TrustedProxies,
    /// Most records one bulk upload to a ledger may hold; a larger one is
    /// refused with 413.
    #[arg(long, env = "BULK_MAX_ROWS", default_value_t = 10_000)]
    pub bulk_max_rows: usize,
    /// The time the login throttle goes by: the system's, except in tests.
    #[arg(skip)]
    pub login_clock: LoginClock,
}

impl Settings {
    /// Defaults as `serve` with no flags and no environment would use them,
    /// but for the given database.
    pub fn for_database(url: impl Into<String>) -> Self {
        Self {
            database: DatabaseSettings::new(url),
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            log_level: "info".to_owned(),
            log_format: LogFormat::Text,
            workers: 0,
            token_lifetime_minutes: 480,
            password_hashing: PasswordHashing::Standard,
            json_limit_bytes: 1024 * 1024,
            cookie_secure: true,
            public_register_refresh_ms: 1000,
            login: LoginSettings::default(),
            backup: BackupSettings::default(),
            webhooks: WebhookSettings::default(),
            mail: MailSettings::new(),
            credentials: CredentialSettings::new(),
            trusted_proxies: TrustedProxies::default(),
            bulk_max_rows: 10_000,
            login_clock: LoginClock::system(),
        }
    }

    /// How long the public register held in memory is trusted.
    pub fn public_register_refresh(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.public_register_refresh_ms)
    }

    /// How long a login token stays valid.
    pub fn token_lifetime(&self) -> chrono::Duration {
        chrono::Duration::minutes(i64::from(self.token_lifetime_minutes.max(1)))
    }
}

/// The reverse proxies whose `X-Forwarded-For` is believed: addresses,
/// comma-separated; none when empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(pub Vec<IpAddr>);

impl std::str::FromStr for TrustedProxies {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        s.split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(|a| {
                a.parse::<IpAddr>()
                    .map_err(|_| format!("{a:?} is not an IP address"))
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }
}

impl std::ops::Deref for TrustedProxies {
    type Target = [IpAddr];
    fn deref(&self) -> &[IpAddr] {
        &self.0
    }
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PasswordHashing {
    /// The OWASP-recommended Argon2id parameters (19 MiB, 2 passes).
    Standard,
    /// Minimal cost, for test suites only: never use in production.
    Fast,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trusted_proxies_are_a_list_of_addresses_or_none() {
        let parse = |s: &str| s.parse::<TrustedProxies>();
        assert_eq!(parse(""), Ok(TrustedProxies(vec![])));
        assert_eq!(parse("127.0.0.1, ::1").map(|p| p.len()), Ok(2));
        assert!(parse("127.0.0.1,proxy.example").is_err());
    }
}
