//! The `crumb-server` binary: reads the command line, opens the database, serves until Ctrl-C.

use std::process::ExitCode;

use crumb_server::cli::{self, Command, Options};
use std::time::Duration;

use crumb_server::{app, now_ms, precompress, serve_with, AppState, ServeLimits, ServerError};

#[tokio::main]
async fn main() -> ExitCode {
    let command = cli::parse(std::env::args().skip(1), |name| std::env::var(name).ok());
    let result = match command {
        Ok(Command::Help) => {
            print!("{}", cli::USAGE);
            Ok(())
        }
        Ok(Command::Version) => {
            println!("crumb-server {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        Ok(Command::Serve(options)) => serve(options).await,
        Ok(Command::Backup { database, to }) => backup(&database, &to).await,
        Ok(Command::Verify { database, site, digest }) => {
            match blocking(move || verify(&database, site.as_deref(), digest.as_deref())).await {
                Ok(true) => Ok(()),
                Ok(false) => return ExitCode::FAILURE,
                Err(err) => Err(err),
            }
        }
        Ok(Command::Digest { database, site, from, to }) => blocking(move || digest(&database, site, from, to)).await,
        Ok(Command::Token { database, command }) => blocking(move || token(&database, &command)).await,
        Err(err) => Err(err),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("crumb-server: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Runs blocking work (opening PostgreSQL runs its own runtime) off the async workers.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> Result<T, ServerError> + Send + 'static) -> Result<T, ServerError> {
    tokio::task::spawn_blocking(work).await.map_err(|e| ServerError::Task(e.to_string()))?
}

/// `crumb-server verify`: one line per site; false when a link is broken.
fn verify(database: &std::path::Path, site: Option<&str>, digest_file: Option<&std::path::Path>) -> Result<bool, ServerError> {
    let digests = match digest_file {
        Some(path) => crumb_server::read_digests(path)?,
        None => Vec::new(),
    };
    let database = crumb_server::Database::open(database)?;
    let verdicts = database.verify_chain(site, &digests)?;
    if verdicts.is_empty() {
        println!("crumb-server verify: no records, nothing to verify");
    }
    for verdict in &verdicts {
        println!("{verdict}");
    }
    let broken = verdicts.iter().filter(|v| v.broken.is_some()).count();
    if broken > 0 {
        eprintln!("crumb-server verify: {broken} of {} chains broken", verdicts.len());
    }
    Ok(broken == 0)
}

/// `crumb-server digest`: the daily chain heads as JSON lines.
fn digest(database: &std::path::Path, site: Option<String>, from: Option<String>, to: Option<String>) -> Result<(), ServerError> {
    let database = crumb_server::Database::open(database)?;
    let sites = match site {
        Some(site) => vec![site],
        None => database.chain_sites()?,
    };
    for site in sites {
        let range = crumb_server::day_range(site, from.as_deref(), to.as_deref(), now_ms()).map_err(ServerError::Usage)?;
        for entry in database.digest(&range.site, &range.from, &range.to)? {
            println!("{}", serde_json::to_string(&entry)?);
        }
    }
    Ok(())
}

/// `crumb-server token add|list|revoke`: the token (once) or the list on stdout, a note on stderr.
fn token(database: &std::path::Path, command: &crumb_server::tokens::TokenCommand) -> Result<(), ServerError> {
    let database = crumb_server::Database::open(database)?;
    let output = crumb_server::tokens::run(&database, command, now_ms())?;
    print!("{}", output.stdout);
    if !output.note.is_empty() {
        eprintln!("{}", output.note);
    }
    Ok(())
}

async fn backup(database: &std::path::Path, to: &std::path::Path) -> Result<(), ServerError> {
    let (database, to) = (database.to_path_buf(), to.to_path_buf());
    let report = tokio::task::spawn_blocking(move || crumb_server::backup_sqlite(&database, &to))
        .await
        .map_err(|e| ServerError::Task(e.to_string()))??;
    println!(
        "crumb-server: backup {} written and checked: {} records, schema version {}, {} bytes",
        report.path.display(),
        report.records,
        report.schema_version,
        report.bytes
    );
    Ok(())
}

async fn serve(options: Options) -> Result<(), ServerError> {
    let site_dir = &options.config.site_dir;
    if !site_dir.is_dir() {
        eprintln!("crumb-server: site folder {} does not exist yet; serving the API only", site_dir.display());
    } else if options.precompress {
        let report = precompress(site_dir)?;
        eprintln!("crumb-server: precompressed {} files ({} .br/.gz written)", report.files, report.written);
    }
    let limits = ServeLimits {
        header_timeout: options.settings.header_timeout,
        write_timeout: options.settings.write_timeout,
        max_connections: options.settings.max_connections,
    };
    // Opening PostgreSQL blocks (its client runs its own runtime): not on an async worker.
    let (config, settings) = (options.config.clone(), options.settings);
    let state = tokio::task::spawn_blocking(move || AppState::open_with(&config, settings))
        .await
        .map_err(|e| ServerError::Task(e.to_string()))??;
    if options.demo_data {
        let database = state.database().clone();
        let now = now_ms();
        match tokio::task::spawn_blocking(move || crumb_server::demo::seed(&database, now)).await {
            Ok(Ok(0)) => {}
            Ok(Ok(inserted)) => eprintln!("crumb-server: --demo-data added {inserted} synthetic records for crumb-demo"),
            Ok(Err(err)) => eprintln!("crumb-server: --demo-data failed: {err}"),
            Err(err) => eprintln!("crumb-server: --demo-data failed: {err}"),
        }
    }
    match state.settings().sites().as_slice() {
        [] => eprintln!("crumb-server: no site declared: every record is refused; declare each site with --allow-origin SITE=ORIGIN"),
        sites => eprintln!("crumb-server: taking records for {}", sites.join(", ")),
    }
    if database_inside(&options.config.database, site_dir) {
        eprintln!("crumb-server: the database lies inside the site folder; its files are never served, but keep it outside");
    }
    if state.settings().admin_token.is_none() {
        let database = state.database().clone();
        match tokio::task::spawn_blocking(move || database.active_admin_tokens()).await {
            Ok(Ok(0)) => eprintln!(
                "crumb-server: no admin token: history, export and /admin are off until one is added \
                 (crumb-server token add NAME --role viewer) or --admin-token is set"
            ),
            Ok(Ok(_)) => {}
            Ok(Err(err)) => eprintln!("crumb-server: counting the admin tokens failed: {err}"),
            Err(err) => eprintln!("crumb-server: counting the admin tokens failed: {err}"),
        }
    }
    if state.settings().retention_months.is_some() {
        let state = state.clone();
        tokio::spawn(async move {
            let mut hourly = tokio::time::interval(Duration::from_secs(3600));
            loop {
                hourly.tick().await;
                let now = now_ms();
                let worker = state.clone();
                match tokio::task::spawn_blocking(move || worker.apply_retention(now)).await {
                    Ok(Ok(0)) => {}
                    Ok(Ok(deleted)) => eprintln!("crumb-server: retention deleted {deleted} records"),
                    Ok(Err(err)) => eprintln!("crumb-server: retention failed: {err}"),
                    Err(err) => eprintln!("crumb-server: retention task failed: {err}"),
                }
            }
        });
    }
    let listener = tokio::net::TcpListener::bind((options.bind.as_str(), options.port))
        .await
        .map_err(|e| ServerError::Serve(format!("cannot listen on {}:{}: {e}", options.bind, options.port)))?;
    let address = listener.local_addr().map_err(|e| ServerError::Serve(e.to_string()))?;
    println!("crumb-server listening on http://{address}");
    serve_with(listener, app(state), limits, shutdown_signal()).await?;
    eprintln!("crumb-server: stopped");
    Ok(())
}

/// Whether the SQLite file `database` lies inside `site_dir` (both resolved; false for a URL).
fn database_inside(database: &std::path::Path, site_dir: &std::path::Path) -> bool {
    let folder = database.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    match (std::fs::canonicalize(folder), std::fs::canonicalize(site_dir)) {
        (Ok(folder), Ok(site)) => !crumb_server::database::is_postgres_url(database) && folder.starts_with(site),
        _ => false,
    }
}

/// Resolves on Ctrl-C, or SIGTERM on Unix.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
