//! The instance's configuration, from (strongest first) command-line options, `CIVIFORGE_*`
//! environment variables, a `civiforge.toml` file, and defaults.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use civiforge_indexer::RepositoryUrlPolicy;
use serde::Deserialize;

mod booleans;
pub use booleans::{BOOLEAN_SPELLINGS, parse_boolean};
use booleans::{boolean_setting, boolean_variable};

/// Options shared by every command; each has an environment variable.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ConfigArgs {
    /// Address and port the HTTP server listens on [default: 127.0.0.1:8080]
    #[arg(long, env = "CIVIFORGE_LISTEN", global = true)]
    pub listen: Option<String>,
    /// Folder for the database, mirrors and search index [default: ./data]
    #[arg(long, env = "CIVIFORGE_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// sqlite://PATH or postgres://USER@HOST/DB [default: sqlite://<data-dir>/civiforge.db]
    #[arg(long = "database", env = "CIVIFORGE_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    // The two switches read their environment variables in `Config::resolve`, not through
    // clap: clap's boolean flags take only `true`/`false` from the environment and answer
    // anything else with an English error naming the option, not the variable.
    /// Accept absolute paths and file:// URLs as repositories
    /// [env: CIVIFORGE_ALLOW_LOCAL_REPOSITORIES=1|0|true|false|yes|no|on|off]
    #[arg(long, global = true)]
    pub allow_local_repositories: bool,
    /// Accept http:// and hosts on loopback, private or link-local networks
    /// [env: CIVIFORGE_ALLOW_PRIVATE_NETWORKS=1|0|true|false|yes|no|on|off]
    #[arg(long, global = true)]
    pub allow_private_networks: bool,
    /// Seconds between two fetches of every repository [default: 3600]
    #[arg(long, env = "CIVIFORGE_REFRESH_INTERVAL", global = true)]
    pub refresh_interval: Option<u64>,
    /// Seconds an upstream repository may fail to answer before its project's page says it
    /// is unavailable [default: 86400]
    #[arg(long, env = "CIVIFORGE_UPSTREAM_GRACE", global = true)]
    pub upstream_grace: Option<u64>,
    /// Room on disk for cached release archives, in MiB [default: 2048]
    #[arg(long, env = "CIVIFORGE_ARCHIVE_CACHE_MB", global = true)]
    pub archive_cache_mb: Option<u64>,
    /// Largest push to a hosted project, in MiB [default: 512]
    #[arg(long, env = "CIVIFORGE_MAX_PUSH_MB", global = true)]
    pub max_push_mb: Option<u64>,
    /// Most branches and tags one push to a hosted project may create or move [default: 1000]
    #[arg(long, env = "CIVIFORGE_MAX_PUSH_REFS", global = true)]
    pub max_push_refs: Option<usize>,
    /// Comma-separated addresses of reverse proxies whose X-Forwarded-For is believed
    #[arg(
        long,
        env = "CIVIFORGE_TRUSTED_PROXIES",
        global = true,
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Outgoing mail server: smtp://HOST:PORT (plain, for a local relay),
    /// smtp://USER:PASSWORD@HOST:587?tls=required (STARTTLS) or smtps://… (TLS)
    /// [default: none, messages are written as .eml files under <data-dir>/outbox/]
    #[arg(long, env = "CIVIFORGE_SMTP_URL", global = true)]
    pub smtp_url: Option<String>,
    /// Sender of outgoing mail [default: civiforge@localhost]
    #[arg(long, env = "CIVIFORGE_MAIL_FROM", global = true)]
    pub mail_from: Option<String>,
    /// The instance's address as users reach it, for links in e-mails
    /// [default: http://<listen>]
    #[arg(long, env = "CIVIFORGE_PUBLIC_URL", global = true)]
    pub public_url: Option<String>,
    /// Configuration file [default: ./civiforge.toml when it exists]
    #[arg(long, env = "CIVIFORGE_CONFIG", global = true)]
    pub config: Option<PathBuf>,
}

/// `civiforge.toml`: the same settings, by the same names with underscores.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    listen: Option<String>,
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    /// A boolean as [`parse_boolean`] reads it: `true`, `1`, `"yes"`, `"on"`…
    allow_local_repositories: Option<toml::Value>,
    allow_private_networks: Option<toml::Value>,
    refresh_interval: Option<u64>,
    archive_cache_mb: Option<u64>,
    upstream_grace: Option<u64>,
    max_push_mb: Option<u64>,
    max_push_refs: Option<usize>,
    smtp_url: Option<String>,
    mail_from: Option<String>,
    public_url: Option<String>,
}

/// The resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub url_policy: RepositoryUrlPolicy,
    pub refresh_interval: Duration,
    /// Room on disk for cached release archives, in bytes.
    pub archive_cache_bytes: u64,
    /// How long an upstream may fail before its page says it is unavailable.
    pub upstream_grace: Duration,
    /// What one push to a hosted project may send.
    pub push_limits: crate::forge::PushLimits,
    /// Bounds on every fetch of a repository.
    pub fetch_limits: civiforge_indexer::fetch::FetchLimits,
    /// `CIVIFORGE_SECRET_KEY`, read from the environment only (never a command-line
    /// argument, which other users could see).
    pub secret_key: Option<String>,
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Outgoing mail; none writes messages to `<data-dir>/outbox/`.
    pub smtp_url: Option<String>,
    pub mail_from: String,
    /// The instance's address for links in e-mails, without a trailing slash.
    pub public_url: String,
}

impl Config {
    /// Resolves the configuration from parsed arguments (which already include the
    /// environment) and the configuration file.
    pub fn resolve(args: &ConfigArgs) -> anyhow::Result<Self> {
        Self::resolve_with_env(args, &|name| {
            std::env::var_os(name).map(|value| value.to_string_lossy().into_owned())
        })
    }

    /// [`Config::resolve`] with the environment given as a function, for tests.
    pub fn resolve_with_env(
        args: &ConfigArgs,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Self> {
        let default_file = Path::new("civiforge.toml");
        let (file, file_path) = match &args.config {
            Some(path) => (read_file(path)?, path.as_path()),
            None if default_file.exists() => (read_file(default_file)?, default_file),
            None => (ConfigFile::default(), default_file),
        };
        let push_limits = push_limits(args, &file);
        // A switch on the command line wins; otherwise the environment, then the file.
        let switch = |given: bool, variable: &str, key: &str, value: Option<&toml::Value>| {
            anyhow::Ok(if given {
                true
            } else {
                match boolean_variable(variable, env)? {
                    Some(value) => value,
                    None => boolean_setting(file_path, key, value)?.unwrap_or(false),
                }
            })
        };
        let allow_local = switch(
            args.allow_local_repositories,
            "CIVIFORGE_ALLOW_LOCAL_REPOSITORIES",
            "allow_local_repositories",
            file.allow_local_repositories.as_ref(),
        )?;
        let allow_private_networks = switch(
            args.allow_private_networks,
            "CIVIFORGE_ALLOW_PRIVATE_NETWORKS",
            "allow_private_networks",
            file.allow_private_networks.as_ref(),
        )?;
        let listen_text = args
            .listen
            .clone()
            .or(file.listen)
            .unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen = listen_text.parse().with_context(|| {
            format!("adresse d'écoute invalide « {listen_text} » : attendu HÔTE:PORT, par exemple 127.0.0.1:8080")
        })?;
        let data_dir = args
            .data_dir
            .clone()
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("./data"));
        let database_url = args
            .database_url
            .clone()
            .or(file.database_url)
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("civiforge.db").display()));
        let refresh_secs = args
            .refresh_interval
            .or(file.refresh_interval)
            .unwrap_or(3600);
        if refresh_secs == 0 {
            bail!("l'intervalle de rafraîchissement doit être d'au moins 1 seconde");
        }
        let mail_from = args
            .mail_from
            .clone()
            .or(file.mail_from)
            .unwrap_or_else(|| "civiforge@localhost".into());
        if mail_from.parse::<lettre::message::Mailbox>().is_err() {
            bail!(
                "adresse d'expédition invalide « {mail_from} » (--mail-from, CIVIFORGE_MAIL_FROM) : \
                 attendu une adresse e-mail, par exemple civiforge@agglo.fr"
            );
        }
        let public_url = args
            .public_url
            .clone()
            .or(file.public_url)
            .unwrap_or_else(|| format!("http://{listen}"));
        if url::Url::parse(&public_url).is_err() {
            bail!(
                "adresse publique invalide « {public_url} » (--public-url, CIVIFORGE_PUBLIC_URL) : \
                 attendu par exemple https://catalogue.agglo.fr"
            );
        }
        Ok(Config {
            listen,
            data_dir,
            database_url,
            url_policy: RepositoryUrlPolicy {
                allow_local,
                allow_private_networks,
            },
            refresh_interval: Duration::from_secs(refresh_secs),
            upstream_grace: args
                .upstream_grace
                .or(file.upstream_grace)
                .map_or(crate::forge::DEFAULT_UPSTREAM_GRACE, Duration::from_secs),
            archive_cache_bytes: args
                .archive_cache_mb
                .or(file.archive_cache_mb)
                .map_or(crate::forge::archives::DEFAULT_BUDGET_BYTES, |mb| {
                    mb.saturating_mul(1024 * 1024)
                }),
            push_limits,
            fetch_limits: civiforge_indexer::fetch::FetchLimits::default(),
            secret_key: env("CIVIFORGE_SECRET_KEY").filter(|k| !k.is_empty()),
            trusted_proxies: args.trusted_proxies.clone(),
            smtp_url: args
                .smtp_url
                .clone()
                .or(file.smtp_url)
                .filter(|u| !u.is_empty()),
            mail_from,
            public_url: public_url.trim_end_matches('/').to_string(),
        })
    }
}

fn push_limits(args: &ConfigArgs, file: &ConfigFile) -> crate::forge::PushLimits {
    let defaults = crate::forge::PushLimits::default();
    crate::forge::PushLimits {
        max_bytes: args
            .max_push_mb
            .or(file.max_push_mb)
            .map_or(defaults.max_bytes, |mb| mb.saturating_mul(1024 * 1024)),
        max_refs: args
            .max_push_refs
            .or(file.max_push_refs)
            .unwrap_or(defaults.max_refs),
    }
}

fn read_file(path: &Path) -> anyhow::Result<ConfigFile> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "impossible de lire le fichier de configuration {}",
            path.display()
        )
    })?;
    // toml's own rendering spans several lines (with the source and a caret): keep the
    // message and say the line, so that the error stays one line.
    toml::from_str(&text).map_err(|error| {
        let line = error.span().map(|span| {
            bytes_before(&text, span.start)
                .filter(|b| **b == b'\n')
                .count()
                + 1
        });
        let message = error.message().trim().replace('\n', " ");
        match line {
            Some(line) => anyhow::anyhow!(
                "fichier de configuration {} invalide, ligne {line} : {message}",
                path.display()
            ),
            None => anyhow::anyhow!(
                "fichier de configuration {} invalide : {message}",
                path.display()
            ),
        }
    })
}

/// The bytes of `text` before `offset` (all of them past its end).
fn bytes_before(text: &str, offset: usize) -> std::slice::Iter<'_, u8> {
    text.as_bytes()[..offset.min(text.len())].iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No environment at all.
    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn defaults_put_everything_under_data() {
        let config = Config::resolve_with_env(&ConfigArgs::default(), &no_env).expect("defaults");
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.database_url, "sqlite://./data/civiforge.db");
        assert!(!config.url_policy.allow_local);
        assert_eq!(config.refresh_interval, Duration::from_secs(3600));
    }

    #[test]
    fn options_win_over_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("civiforge.toml");
        std::fs::write(
            &path,
            "listen = \"0.0.0.0:9000\"\ndata_dir = \"/srv/cf\"\nallow_private_networks = true\n",
        )
        .expect("write");
        let args = ConfigArgs {
            listen: Some("127.0.0.1:7000".into()),
            config: Some(path.clone()),
            ..Default::default()
        };
        let config = Config::resolve_with_env(&args, &no_env).expect("config");
        assert_eq!(config.listen.to_string(), "127.0.0.1:7000");
        assert_eq!(config.database_url, "sqlite:///srv/cf/civiforge.db");
        assert!(config.url_policy.allow_private_networks);
        assert_eq!(config.push_limits, crate::forge::PushLimits::default());

        std::fs::write(&path, "max_push_mb = 2\nmax_push_refs = 10\n").expect("write");
        let args = ConfigArgs {
            max_push_refs: Some(20),
            config: Some(path.clone()),
            ..Default::default()
        };
        let limits = Config::resolve_with_env(&args, &no_env)
            .expect("config")
            .push_limits;
        assert_eq!((limits.max_bytes, limits.max_refs), (2 * 1024 * 1024, 20));

        std::fs::write(&path, "listne = \"typo\"\n").expect("write");
        let error = Config::resolve_with_env(&args, &no_env).expect_err("unknown key");
        let message = format!("{error:#}");
        assert!(message.contains("listne"), "{message}");
        assert!(message.contains("ligne 1"), "{message}");
        assert!(!message.contains('\n'), "one line: {message}");
    }

    /// An environment holding only the given variables.
    fn env_of(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        move |name| {
            vars.iter()
                .find(|(n, _)| n == name)
                .map(|(_, value)| value.clone())
        }
    }

    #[test]
    fn boolean_variables_take_every_spelling_and_name_themselves_when_wrong() {
        let args = ConfigArgs::default();
        let env = env_of(&[
            ("CIVIFORGE_ALLOW_LOCAL_REPOSITORIES", "1"),
            ("CIVIFORGE_ALLOW_PRIVATE_NETWORKS", "Yes"),
        ]);
        let config = Config::resolve_with_env(&args, &env).expect("config");
        assert!(config.url_policy.allow_local);
        assert!(config.url_policy.allow_private_networks);

        let env = env_of(&[
            ("CIVIFORGE_ALLOW_LOCAL_REPOSITORIES", "off"),
            ("CIVIFORGE_ALLOW_PRIVATE_NETWORKS", ""),
        ]);
        let config = Config::resolve_with_env(&args, &env).expect("config");
        assert!(!config.url_policy.allow_local);
        assert!(!config.url_policy.allow_private_networks);

        let env = env_of(&[("CIVIFORGE_ALLOW_PRIVATE_NETWORKS", "peut-être")]);
        let message = format!(
            "{:#}",
            Config::resolve_with_env(&args, &env).expect_err("wrong value")
        );
        assert_eq!(
            message,
            "la variable d'environnement CIVIFORGE_ALLOW_PRIVATE_NETWORKS vaut « peut-être » : \
             valeurs acceptées 1 ou 0, true ou false, yes ou no, on ou off"
        );

        // The switch on the command line wins over a variable that says no.
        let args = ConfigArgs {
            allow_local_repositories: true,
            ..Default::default()
        };
        let env = env_of(&[("CIVIFORGE_ALLOW_LOCAL_REPOSITORIES", "0")]);
        let config = Config::resolve_with_env(&args, &env).expect("config");
        assert!(config.url_policy.allow_local);
    }

    #[test]
    fn file_booleans_take_every_spelling_and_the_environment_wins() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("civiforge.toml");
        let args = ConfigArgs {
            config: Some(path.clone()),
            ..Default::default()
        };
        for (text, expected) in [
            ("true", true),
            ("1", true),
            ("\"yes\"", true),
            ("\"ON\"", true),
            ("false", false),
            ("0", false),
            ("\"no\"", false),
            ("\"off\"", false),
        ] {
            std::fs::write(&path, format!("allow_local_repositories = {text}\n")).expect("write");
            let config = Config::resolve_with_env(&args, &no_env).expect("config");
            assert_eq!(config.url_policy.allow_local, expected, "{text}");
        }

        std::fs::write(&path, "allow_private_networks = true\n").expect("write");
        let env = env_of(&[("CIVIFORGE_ALLOW_PRIVATE_NETWORKS", "no")]);
        let config = Config::resolve_with_env(&args, &env).expect("config");
        assert!(!config.url_policy.allow_private_networks);

        for (text, shown) in [("\"peut-être\"", "« peut-être »"), ("2", "2")] {
            std::fs::write(&path, format!("allow_private_networks = {text}\n")).expect("write");
            let message = format!(
                "{:#}",
                Config::resolve_with_env(&args, &no_env).expect_err("wrong value")
            );
            assert_eq!(
                message,
                format!(
                    "fichier de configuration {} : allow_private_networks vaut {shown} : \
                     valeurs acceptées 1 ou 0, true ou false, yes ou no, on ou off",
                    path.display()
                )
            );
        }
    }
}
