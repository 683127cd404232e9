//! The `civiforge` command line: parsing and the commands themselves.

use std::io::BufRead;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

use crate::config::{Config, ConfigArgs};
use crate::domain::accounts::{NewAccount, scopes_named};
use crate::domain::{Actor, AppError, Domain};
use crate::indexing::IndexContext;
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
    /// Write the whole catalogue as one JSON document (standard output without --output)
    Export {
        /// The file to write, readable by its owner only (it holds password hashes)
        #[arg(long, short)]
        output: Option<std::path::PathBuf>,
    },
    /// Copy the database, the repositories and the documents into DIR while the server runs
    Backup {
        /// A folder that does not exist yet, or is empty
        dir: std::path::PathBuf,
    },
    /// Read a catalogue written by `export` into an empty database, then rebuild the search
    /// index (with the server stopped)
    ImportDump {
        /// The file `export` wrote
        file: std::path::PathBuf,
    },
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
            let mailer = mailer(&config)?;
            let (stop, stopped) = watch::channel(false);
            tokio::spawn(async move {
                shutdown_signal().await;
                let _ = stop.send(true);
            });
            let mail = tokio::spawn(crate::mail::run(store.clone(), mailer, stopped.clone()));
            crate::worker::run(
                index_context(&config, store),
                worker_settings(&config),
                stopped,
            )
            .await;
            let _ = mail.await;
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
        Command::Export { output } => {
            let store = open_store(&config).await?;
            let tally = match &output {
                Some(path) => crate::dump::export_to_file(store.as_ref(), path).await?,
                None => {
                    let mut out = std::io::BufWriter::new(std::io::stdout());
                    crate::dump::export(store.as_ref(), &mut out).await?
                }
            };
            let rows: u64 = tally.iter().map(|(_, rows)| rows).sum();
            eprintln!("catalogue exporté : {rows} ligne(s)");
            Ok(())
        }
        Command::Backup { dir } => {
            let store = open_store(&config).await?;
            let source = crate::backup::BackupSource {
                store: store.as_ref(),
                data_dir: &config.data_dir,
                database_url: &config.database_url,
            };
            let manifest = crate::backup::run(&source, &dir).await?;
            println!(
                "sauvegarde faite dans {} : base {} ({}), {} dépôt(s), {} document(s), \
                 position de l'index de recherche {}",
                dir.display(),
                manifest.database,
                manifest.engine,
                manifest.repositories,
                manifest.documents,
                manifest.search_position
            );
            Ok(())
        }
        Command::ImportDump { file } => {
            let store = open_store(&config).await?;
            let tally = crate::dump::import(store.as_ref(), &file).await?;
            let search = crate::search::SearchService::new(&config.data_dir, store);
            search.rebuild().await?;
            println!("{}", crate::dump::summary(&tally));
            println!(
                "catalogue importé ; index de recherche reconstruit : {} projet(s)",
                search.documents()
            );
            Ok(())
        }
        Command::Migrate => {
            open_store(&config).await?;
            Ok(())
        }
        Command::Admin(command) => admin(&config, command).await,
    }
}

/// `civiforge admin …`: the administrator's writes, through the same operations (rules and
/// audit) as the API and the pages.
async fn admin(config: &Config, command: AdminCommand) -> anyhow::Result<()> {
    let store = open_store(config).await?;
    let domain = Domain::new(store, config.url_policy);
    let administrator = Actor::command_line(None);
    match command {
        AdminCommand::CreateUser {
            email,
            name,
            admin,
            moderator,
        } => {
            let password = read_password_line()?;
            let account = NewAccount {
                email,
                name,
                password,
                is_admin: admin,
                is_moderator: moderator,
            };
            let user = domain.create_account(&administrator, account).await?;
            println!("compte créé : {} (n° {})", user.email, user.id);
        }
        AdminCommand::CreateToken {
            email,
            label,
            expires_in_days,
            scopes,
        } => {
            let scopes = scopes_named(&scopes)?;
            let owner = existing_user(&domain, &email).await?;
            let issued = domain
                .create_token(&administrator, &owner, &label, expires_in_days, &scopes)
                .await?;
            println!("{}", issued.token);
        }
        AdminCommand::ListTokens { email } => {
            let owner = existing_user(&domain, &email).await?;
            for token in domain.tokens(&administrator, &owner).await? {
                let state = match (token.revoked_at, token.expires_at) {
                    (Some(_), _) => "révoqué".to_string(),
                    (None, Some(at)) if at <= chrono::Utc::now() => "expiré".to_string(),
                    (None, Some(at)) => format!("valide jusqu'au {}", at.format("%Y-%m-%d")),
                    (None, None) => "valide".to_string(),
                };
                let scopes: Vec<&str> = token.scopes.iter().map(|s| s.as_str()).collect();
                println!(
                    "{}\t{}\t{}\t{}",
                    token.id,
                    token.label,
                    scopes.join(" "),
                    state
                );
            }
        }
        AdminCommand::RevokeToken { email, id } => {
            let owner = existing_user(&domain, &email).await?;
            if !domain.revoke_token(&administrator, &owner, id).await? {
                bail!(
                    "aucun jeton valide n° {id} pour « {} » ; voir `civiforge admin list-tokens`",
                    owner.email
                );
            }
            println!("jeton n° {id} révoqué");
        }
    }
    Ok(())
}

async fn existing_user(domain: &Domain, email: &str) -> anyhow::Result<crate::model::User> {
    match domain.account(email).await {
        Ok(user) => Ok(user),
        Err(AppError::NotFound { .. }) => bail!(
            "aucun compte pour « {} » ; créez-le avec `civiforge admin create-user`",
            email.trim().to_lowercase()
        ),
        Err(other) => Err(other.into()),
    }
}

/// Where outgoing mail goes: the configured SMTP server, or the outbox folder.
fn mailer(config: &Config) -> anyhow::Result<crate::mail::Mailer> {
    crate::mail::Mailer::new(
        config.smtp_url.as_deref(),
        &config.mail_from,
        &config.data_dir,
    )
}

/// Opens the database, applies migrations and makes sure reference data is loaded.
pub async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    if config.database_url.starts_with("sqlite:") {
        crate::private_files::create_data_dir(&config.data_dir).with_context(|| {
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
    let upkeep = crate::domain::upkeep::canonicalise_stored_repositories(store.as_ref())
        .await
        .map_err(|e| anyhow::anyhow!("réécriture des adresses de dépôt : {e}"))?;
    for (slug, from, to) in &upkeep.rewritten {
        tracing::info!(%slug, %from, %to, "repository URL rewritten in its canonical spelling");
    }
    for duplicate in &upkeep.duplicates {
        tracing::warn!("{duplicate}");
    }
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
        releases: crate::forge::releases::Releases::in_data_dir(
            &config.data_dir,
            config.archive_cache_bytes,
        ),
        ..IndexContext::new(
            store,
            config.data_dir.clone(),
            config.url_policy,
            config.fetch_limits,
        )
    }
}

fn worker_settings(config: &Config) -> WorkerSettings {
    WorkerSettings::new(config.refresh_interval, config.fetch_limits.deadline)
}

async fn serve(config: Config, no_worker: bool) -> anyhow::Result<()> {
    let store = open_store(&config).await?;
    let mailer = mailer(&config)?;
    let (stop, stopped) = watch::channel(false);
    let context = index_context(&config, store.clone());
    let fetches = context.fetches.clone();
    let worker = (!no_worker).then(|| {
        tokio::spawn(crate::worker::run(
            context,
            worker_settings(&config),
            stopped.clone(),
        ))
    });
    // The worker's other queue: outgoing mail.
    let mail = (!no_worker)
        .then(|| tokio::spawn(crate::mail::run(store.clone(), mailer, stopped.clone())));
    let key =
        crate::secrets::ServerKey::load_or_create(&config.data_dir, config.secret_key.as_deref())?;
    let search = crate::search::SearchService::new(&config.data_dir, store.clone());
    let mut state = crate::state::AppState::new(
        store.clone(),
        config.url_policy,
        key,
        search.clone(),
        &config.data_dir,
    );
    state.trusted_proxies = config.trusted_proxies.clone().into();
    state.domain = state.domain.with_public_url(config.public_url.clone());
    state.forge.releases =
        crate::forge::releases::Releases::in_data_dir(&config.data_dir, config.archive_cache_bytes);
    state.forge.upstream_grace = config.upstream_grace;
    state.forge.push_limits = config.push_limits;
    state.fetches = fetches;
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
    // hyper's own refusals (a head it cannot read or too large) in the project's words.
    let listener = axum::serve::ListenerExt::tap_io(
        crate::app::listener::answered(listener, &state.web),
        |_| {},
    );
    axum::serve(
        listener,
        crate::app::app(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        let _ = http_stopped.wait_for(|stop| *stop).await;
    })
    .await
    .context("le serveur HTTP s'est arrêté sur une erreur")?;
    if let Some(worker) = worker {
        let _ = worker.await;
    }
    if let Some(mail) = mail {
        let _ = mail.await;
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
