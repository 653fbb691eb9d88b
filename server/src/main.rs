//! The `crumb-server` binary: reads the command line, opens the store, serves until Ctrl-C.

use std::process::ExitCode;

use crumb_server::cli::{self, Command, Options};
use crumb_server::{app, precompress, AppState, ServerError};

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

async fn serve(options: Options) -> Result<(), ServerError> {
    let site_dir = &options.config.site_dir;
    if !site_dir.is_dir() {
        eprintln!("crumb-server: site folder {} does not exist yet; serving the API only", site_dir.display());
    } else if options.precompress {
        let report = precompress(site_dir)?;
        eprintln!("crumb-server: precompressed {} files ({} .br/.gz written)", report.files, report.written);
    }
    let state = AppState::open(&options.config)?;
    let listener = tokio::net::TcpListener::bind((options.bind.as_str(), options.port))
        .await
        .map_err(|e| ServerError::Serve(format!("cannot listen on {}:{}: {e}", options.bind, options.port)))?;
    let address = listener.local_addr().map_err(|e| ServerError::Serve(e.to_string()))?;
    println!("crumb-server listening on http://{address}");
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| ServerError::Serve(e.to_string()))?;
    eprintln!("crumb-server: stopped");
    Ok(())
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
