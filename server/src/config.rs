//! The instance's configuration, from (strongest first) command-line options, `CIVIFORGE_*`
//! environment variables, a `civiforge.toml` file, and defaults.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use civiforge_indexer::RepositoryUrlPolicy;
use serde::Deserialize;

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
    /// Accept absolute paths and file:// URLs as repositories
    #[arg(long, env = "CIVIFORGE_ALLOW_LOCAL_REPOSITORIES", global = true)]
    pub allow_local_repositories: bool,
    /// Accept http:// and hosts on loopback, private or link-local networks
    #[arg(long, env = "CIVIFORGE_ALLOW_PRIVATE_NETWORKS", global = true)]
    pub allow_private_networks: bool,
    /// Seconds between two fetches of every repository [default: 3600]
    #[arg(long, env = "CIVIFORGE_REFRESH_INTERVAL", global = true)]
    pub refresh_interval: Option<u64>,
    /// Comma-separated addresses of reverse proxies whose X-Forwarded-For is believed
    #[arg(
        long,
        env = "CIVIFORGE_TRUSTED_PROXIES",
        global = true,
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<std::net::IpAddr>,
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
    allow_local_repositories: Option<bool>,
    allow_private_networks: Option<bool>,
    refresh_interval: Option<u64>,
}

/// The resolved configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub url_policy: RepositoryUrlPolicy,
    pub refresh_interval: Duration,
    /// Bounds on every fetch of a repository.
    pub fetch_limits: civiforge_indexer::fetch::FetchLimits,
    /// `CIVIFORGE_SECRET_KEY`, read from the environment only (never a command-line
    /// argument, which other users could see).
    pub secret_key: Option<String>,
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl Config {
    /// Resolves the configuration from parsed arguments (which already include the
    /// environment) and the configuration file.
    pub fn resolve(args: &ConfigArgs) -> anyhow::Result<Self> {
        let file = match &args.config {
            Some(path) => read_file(path)?,
            None if Path::new("civiforge.toml").exists() => read_file(Path::new("civiforge.toml"))?,
            None => ConfigFile::default(),
        };
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
        Ok(Config {
            listen,
            data_dir,
            database_url,
            url_policy: RepositoryUrlPolicy {
                allow_local: args.allow_local_repositories
                    || file.allow_local_repositories.unwrap_or(false),
                allow_private_networks: args.allow_private_networks
                    || file.allow_private_networks.unwrap_or(false),
            },
            refresh_interval: Duration::from_secs(refresh_secs),
            fetch_limits: civiforge_indexer::fetch::FetchLimits::default(),
            secret_key: std::env::var("CIVIFORGE_SECRET_KEY")
                .ok()
                .filter(|k| !k.is_empty()),
            trusted_proxies: args.trusted_proxies.clone(),
        })
    }
}

fn read_file(path: &Path) -> anyhow::Result<ConfigFile> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "impossible de lire le fichier de configuration {}",
            path.display()
        )
    })?;
    toml::from_str(&text)
        .with_context(|| format!("fichier de configuration {} invalide", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_put_everything_under_data() {
        let config = Config::resolve(&ConfigArgs::default()).expect("defaults");
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
        let config = Config::resolve(&args).expect("config");
        assert_eq!(config.listen.to_string(), "127.0.0.1:7000");
        assert_eq!(config.database_url, "sqlite:///srv/cf/civiforge.db");
        assert!(config.url_policy.allow_private_networks);

        std::fs::write(&path, "listne = \"typo\"\n").expect("write");
        let error = Config::resolve(&args).expect_err("unknown key");
        assert!(format!("{error:#}").contains("listne"), "{error:#}");
    }
}
