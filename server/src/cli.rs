//! The `civiforge` command line: parsing and the commands themselves.

use std::io::BufRead;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

use crate::auth;
use crate::config::{Config, ConfigArgs};
use crate::indexing::IndexContext;
use crate::model::NewUser;
use crate::reference::ReferenceData;
use crate::store::{self, Store};
use crate::worker::WorkerSettings;
use tokio::sync::watch;

#[derive(Debug, Parser)]
#[command(
    name = "civiforge",
    version,
    about = "Catalogue et forge des logiciels libres des collectivités"
)]
pub struct Cli {
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web pages and the API
    Serve {
        /// Do not run the indexing worker in this process
        #[arg(long)]
        no_worker: bool,
    },
    /// Run the indexing worker alone (several may share one PostgreSQL database)
    Worker,
    /// Fetch and index repositories now, in the foreground
    Index {
        /// Slugs of the projects to index
        slugs: Vec<String>,
        /// Index every project
        #[arg(long, conflicts_with = "slugs")]
        all: bool,
    },
    /// Rebuild the full-text search index from the database (with the server stopped)
    ReindexSearch,
    /// Apply database migrations and load reference data, then exit
    Migrate,
    /// Administration: users and tokens
    #[command(subcommand)]
    Admin(AdminCommand),
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a user; the password is read from standard input (one line)
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Give the user every right
        #[arg(long)]
        admin: bool,
        /// Let the user verify claims, hide projects and read the audit log
        #[arg(long)]
        moderator: bool,
    },
    /// Print a new API token for a user, alone on one line
    CreateToken {
        #[arg(long)]
        email: String,
        /// What the token is for
        #[arg(long, default_value = "cli")]
        label: String,
        /// Days until the token expires (never by default)
        #[arg(long)]
        expires_in_days: Option<u32>,
        /// What the token may do: projects:write, adoptions:write, admin (repeatable)
        #[arg(long = "scope", default_values = ["projects:write", "adoptions:write"])]
        scopes: Vec<String>,
    },
    /// List a user's tokens (never their secret)
    ListTokens {
        #[arg(long)]
        email: String,
    },
    /// Revoke one of a user's tokens, by the number `list-tokens` shows
    RevokeToken {
        #[arg(long)]
        email: String,
        #[arg(long)]
        id: i64,
    },
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::resolve(&cli.config)?;
    match cli.command {
        Command::Serve { no_worker } => serve(config, no_worker).await,
        Command::Worker => {
            let store = open_store(&config).await?;
            let (stop, stopped) = watch::channel(false);
            tokio::spawn(async move {
                shutdown_signal().await;
                let _ = stop.send(true);
            });
            crate::worker::run(
                index_context(&config, store),
                worker_settings(&config),
                stopped,
            )
            .await;
            Ok(())
        }
        Command::Index { slugs, all } => {
            if slugs.is_empty() && !all {
                bail!("précisez les projets à indexer (leurs slugs) ou --all pour tous");
            }
            let store = open_store(&config).await?;
            crate::index_command::run(index_context(&config, store), &slugs).await
        }
        Command::ReindexSearch => {
            let store = open_store(&config).await?;
            let search = crate::search::SearchService::new(&config.data_dir, store);
            search.rebuild().await?;
            println!(
                "index de recherche reconstruit : {} projet(s)",
                search.documents()
            );
            Ok(())
        }
        Command::Migrate => {
            open_store(&config).await?;
            Ok(())
        }
        Command::Admin(AdminCommand::CreateUser {
            email,
            name,
            admin,
            moderator,
        }) => {
            let store = open_store(&config).await?;
            let password = read_password_line()?;
            let user = create_user_with_roles(
                store.as_ref(),
                &email,
                &name,
                &password,
                admin,
                admin || moderator,
            )
            .await?;
            let roles = serde_json::json!({"admin": user.is_admin, "moderator": user.is_moderator});
            audit_from_command_line(store.as_ref(), &user, "user.create", Some(roles)).await;
            println!("compte créé : {} (n° {})", user.email, user.id);
            Ok(())
        }
        Command::Admin(AdminCommand::CreateToken {
            email,
            label,
            expires_in_days,
            scopes,
        }) => {
            let store = open_store(&config).await?;
            let token =
                create_token_with_scopes(store.as_ref(), &email, &label, expires_in_days, &scopes)
                    .await?;
            let user = existing_user(store.as_ref(), &email).await?;
            let details = serde_json::json!({"label": label, "scopes": scopes});
            audit_from_command_line(store.as_ref(), &user, "token.create", Some(details)).await;
            println!("{token}");
            Ok(())
        }
        Command::Admin(AdminCommand::ListTokens { email }) => {
            let store = open_store(&config).await?;
            let user = existing_user(store.as_ref(), &email).await?;
            for token in store.list_tokens(user.id).await? {
                let state = match (token.revoked_at, token.expires_at) {
                    (Some(_), _) => "révoqué".to_string(),
                    (None, Some(at)) if at <= chrono::Utc::now() => "expiré".to_string(),
                    (None, Some(at)) => format!("valide jusqu'au {}", at.format("%Y-%m-%d")),
                    (None, None) => "valide".to_string(),
                };
                println!(
                    "{}\t{}\t{}\t{}",
                    token.id,
                    token.label,
                    token.scopes.join(" "),
                    state
                );
            }
            Ok(())
        }
        Command::Admin(AdminCommand::RevokeToken { email, id }) => {
            let store = open_store(&config).await?;
            let user = existing_user(store.as_ref(), &email).await?;
            if !store.revoke_token(user.id, id).await? {
                bail!(
                    "aucun jeton valide n° {id} pour « {} » ; voir `civiforge admin list-tokens`",
                    user.email
                );
            }
            let details = serde_json::json!({"token": id});
            audit_from_command_line(store.as_ref(), &user, "token.revoke", Some(details)).await;
            println!("jeton n° {id} révoqué");
            Ok(())
        }
    }
}

/// Records a write made with `civiforge admin` in the audit log: the actor is the system
/// account that ran the command, there is no client address.
async fn audit_from_command_line(
    store: &dyn Store,
    user: &crate::model::User,
    action: &str,
    details: Option<serde_json::Value>,
) {
    let actor = match std::env::var("USER").or_else(|_| std::env::var("LOGNAME")) {
        Ok(system_user) => format!("ligne de commande ({system_user})"),
        Err(_) => "ligne de commande".to_string(),
    };
    let entry = crate::model::AuditEntry {
        at: chrono::Utc::now(),
        actor,
        ip: None,
        action: action.to_string(),
        target: user.email.clone(),
        details,
    };
    if let Err(error) = store.audit(None, &entry).await {
        tracing::error!(%error, action, "audit log write failed");
    }
}

/// Opens the database, applies migrations and makes sure reference data is loaded.
pub async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    if config.database_url.starts_with("sqlite:") {
        std::fs::create_dir_all(&config.data_dir).with_context(|| {
            format!(
                "impossible de créer le dossier de données {}",
                config.data_dir.display()
            )
        })?;
    }
    let store = store::connect(&config.database_url).await?;
    store
        .migrate()
        .await
        .context("échec des migrations de la base de données")?;
    ensure_reference_data(store.as_ref()).await?;
    Ok(store)
}

/// Loads the embedded administrative divisions unless this edition is already there.
pub async fn ensure_reference_data(store: &dyn Store) -> anyhow::Result<()> {
    let data = ReferenceData::embedded()?;
    if store.reference_edition().await?.as_deref() == Some(data.edition.as_str()) {
        return Ok(());
    }
    let started = std::time::Instant::now();
    store
        .load_reference(&data)
        .await
        .context("chargement des données de référence")?;
    tracing::info!(
        edition = %data.edition,
        organisations = data.organisations.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "reference data loaded"
    );
    Ok(())
}

fn index_context(config: &Config, store: Arc<dyn Store>) -> IndexContext {
    IndexContext {
        store,
        data_dir: config.data_dir.clone(),
        policy: config.url_policy,
        limits: config.fetch_limits,
    }
}

fn worker_settings(config: &Config) -> WorkerSettings {
    WorkerSettings::new(config.refresh_interval, config.fetch_limits.deadline)
}

async fn serve(config: Config, no_worker: bool) -> anyhow::Result<()> {
    let store = open_store(&config).await?;
    let (stop, stopped) = watch::channel(false);
    let worker = (!no_worker).then(|| {
        tokio::spawn(crate::worker::run(
            index_context(&config, store.clone()),
            worker_settings(&config),
            stopped.clone(),
        ))
    });
    let key =
        crate::secrets::ServerKey::load_or_create(&config.data_dir, config.secret_key.as_deref())?;
    let search = crate::search::SearchService::new(&config.data_dir, store.clone());
    let mut state =
        crate::http::AppState::new(store.clone(), config.url_policy, key, search.clone());
    state.trusted_proxies = config.trusted_proxies.clone().into();
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| {
            format!(
                "impossible d'écouter sur {} (adresse déjà prise ?)",
                config.listen
            )
        })?;
    tracing::info!(
        address = %listener.local_addr()?,
        database = store.engine(),
        worker = !no_worker,
        "civiforge is serving"
    );
    // The index opens (or is rebuilt) in the background: other routes serve meanwhile, and
    // search answers 503 until it is ready.
    let follower = tokio::spawn({
        let stopped = stopped.clone();
        async move {
            if let Err(error) = search.open_or_rebuild().await {
                tracing::error!(error = %format!("{error:#}"), "search index unavailable");
                return;
            }
            search.follow(stopped).await;
        }
    });
    let mut http_stopped = stopped.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop.send(true);
    });
    axum::serve(
        listener,
        crate::http::app(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        let _ = http_stopped.wait_for(|stop| *stop).await;
    })
    .await
    .context("le serveur HTTP s'est arrêté sur une erreur")?;
    if let Some(worker) = worker {
        let _ = worker.await;
    }
    let _ = follower.await;
    tracing::info!("civiforge stopped");
    Ok(())
}

/// Resolves on ctrl-c or SIGTERM, so that requests in flight finish.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

fn read_password_line() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("impossible de lire le mot de passe sur l'entrée standard")?;
    let password = line.strip_suffix('\n').unwrap_or(&line);
    let password = password.strip_suffix('\r').unwrap_or(password);
    if password.is_empty() {
        bail!(
            "aucun mot de passe reçu : écrivez-le sur l'entrée standard, par exemple `echo 'motdepasse' | civiforge admin create-user …`"
        );
    }
    Ok(password.to_string())
}

/// Checks and creates a user account; administrators are moderators too.
pub async fn create_user(
    store: &dyn Store,
    email: &str,
    name: &str,
    password: &str,
    is_admin: bool,
) -> anyhow::Result<crate::model::User> {
    create_user_with_roles(store, email, name, password, is_admin, is_admin).await
}

/// Checks and creates a user account with its global roles.
pub async fn create_user_with_roles(
    store: &dyn Store,
    email: &str,
    name: &str,
    password: &str,
    is_admin: bool,
    is_moderator: bool,
) -> anyhow::Result<crate::model::User> {
    let email = email.trim().to_lowercase();
    let valid_email = email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
    if !valid_email {
        bail!("adresse e-mail invalide « {email} »");
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 120 {
        bail!("le nom doit faire de 1 à 120 caractères");
    }
    let password_hash = auth::hash_password_off_executor(password).await?;
    Ok(store
        .create_user(NewUser {
            email,
            name: name.to_string(),
            password_hash,
            is_admin,
            is_moderator,
        })
        .await?)
}

async fn existing_user(store: &dyn Store, email: &str) -> anyhow::Result<crate::model::User> {
    let email = email.trim().to_lowercase();
    match store.user_by_email(&email).await? {
        Some(user) => Ok(user),
        None => {
            bail!("aucun compte pour « {email} » ; créez-le avec `civiforge admin create-user`")
        }
    }
}

/// Makes a new API token, with the usual write scopes, for the user with this e-mail and
/// returns it (it is not kept).
pub async fn create_token(
    store: &dyn Store,
    email: &str,
    label: &str,
    expires_in_days: Option<u32>,
) -> anyhow::Result<String> {
    let scopes = ["projects:write".to_string(), "adoptions:write".to_string()];
    create_token_with_scopes(store, email, label, expires_in_days, &scopes).await
}

/// Makes a new API token with these scopes.
pub async fn create_token_with_scopes(
    store: &dyn Store,
    email: &str,
    label: &str,
    expires_in_days: Option<u32>,
    scopes: &[String],
) -> anyhow::Result<String> {
    if let Some(unknown) = scopes
        .iter()
        .find(|s| !crate::model::SCOPES.contains(&s.as_str()))
    {
        bail!(
            "portée inconnue « {unknown} » : choisissez parmi {}",
            crate::model::SCOPES.join(", ")
        );
    }
    let user = existing_user(store, email).await?;
    let token = auth::new_token()?;
    let expires_at =
        expires_in_days.map(|days| chrono::Utc::now() + chrono::Duration::days(i64::from(days)));
    store
        .create_token(
            user.id,
            &auth::token_digest(&token),
            label,
            scopes,
            expires_at,
        )
        .await?;
    Ok(token)
}
