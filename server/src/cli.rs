//! The command line and `CRUMB_*` environment variables of the `crumb-server` binary.

use std::path::PathBuf;

use crate::{ServerConfig, ServerError, DEFAULT_DATABASE, DEFAULT_SITE_DIR};

pub const USAGE: &str = "\
crumb-server: receives Crumb consent records and serves the demo site

Usage: crumb-server [OPTIONS]

Options (each also read from the environment variable shown; the flag wins):
  --bind <ADDR>        address to listen on [CRUMB_BIND] (default 127.0.0.1)
  --port <PORT>        port to listen on [CRUMB_PORT] (default 8080)
  --database <PATH>    SQLite file [CRUMB_DATABASE] (default ./crumb-data/consent.sqlite3)
  --site-dir <DIR>     built site served at / [CRUMB_SITE_DIR] (default ./dist)
  --precompress        write .br/.gz next to the site's text and wasm files at start (default)
  --no-precompress     serve the site as it is
  -h, --help           print this help
  -V, --version        print the version
";

/// A parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Serve(Options),
    Help,
    Version,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub bind: String,
    pub port: u16,
    pub config: ServerConfig,
    pub precompress: bool,
}

/// Parses `args` (without the program name); `env` looks up `CRUMB_*` variables.
pub fn parse<I, E>(args: I, env: E) -> Result<Command, ServerError>
where
    I: IntoIterator<Item = String>,
    E: Fn(&str) -> Option<String>,
{
    let mut bind = env("CRUMB_BIND").unwrap_or_else(|| "127.0.0.1".to_owned());
    let mut port = env("CRUMB_PORT").map(|p| parse_port(&p, "CRUMB_PORT")).transpose()?.unwrap_or(8080);
    let mut database = env("CRUMB_DATABASE").map_or_else(|| PathBuf::from(DEFAULT_DATABASE), PathBuf::from);
    let mut site_dir = env("CRUMB_SITE_DIR").map_or_else(|| PathBuf::from(DEFAULT_SITE_DIR), PathBuf::from);
    let mut precompress = true;

    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag.to_owned(), Some(value.to_owned())),
            _ => (arg, None),
        };
        let mut value = |name: &str| -> Result<String, ServerError> {
            inline.clone().or_else(|| args.next()).ok_or_else(|| ServerError::Usage(format!("{name} needs a value")))
        };
        match flag.as_str() {
            "--bind" => bind = value("--bind")?,
            "--port" => port = parse_port(&value("--port")?, "--port")?,
            "--database" => database = PathBuf::from(value("--database")?),
            "--site-dir" => site_dir = PathBuf::from(value("--site-dir")?),
            "--precompress" => precompress = true,
            "--no-precompress" => precompress = false,
            "-h" | "--help" => return Ok(Command::Help),
            "-V" | "--version" => return Ok(Command::Version),
            other => return Err(ServerError::Usage(format!("unknown argument `{other}`"))),
        }
    }
    if bind.is_empty() {
        return Err(ServerError::Usage("--bind needs an address".to_owned()));
    }
    Ok(Command::Serve(Options { bind, port, config: ServerConfig { database, site_dir }, precompress }))
}

fn parse_port(text: &str, name: &str) -> Result<u16, ServerError> {
    text.trim().parse().map_err(|_| ServerError::Usage(format!("{name} must be a port number, not `{text}`")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    fn serve(command: Command) -> Options {
        match command {
            Command::Serve(options) => options,
            other => panic!("expected Serve, got {other:?}"),
        }
    }

    #[test]
    fn defaults_bind_localhost_8080() {
        let options = serve(parse(args(&[]), |_| None).unwrap());
        assert_eq!(options.bind, "127.0.0.1");
        assert_eq!(options.port, 8080);
        assert_eq!(options.config, ServerConfig::default());
        assert!(options.precompress);
    }

    #[test]
    fn flags_override_environment() {
        let env = |name: &str| match name {
            "CRUMB_PORT" => Some("9000".to_owned()),
            "CRUMB_DATABASE" => Some("/tmp/env.sqlite3".to_owned()),
            "CRUMB_BIND" => Some("0.0.0.0".to_owned()),
            _ => None,
        };
        let options = serve(parse(args(&["--port=9100", "--site-dir", "site", "--no-precompress"]), env).unwrap());
        assert_eq!(options.port, 9100);
        assert_eq!(options.bind, "0.0.0.0");
        assert_eq!(options.config.database, PathBuf::from("/tmp/env.sqlite3"));
        assert_eq!(options.config.site_dir, PathBuf::from("site"));
        assert!(!options.precompress);
    }

    #[test]
    fn bad_input_is_a_usage_error() {
        assert!(matches!(parse(args(&["--port", "http"]), |_| None), Err(ServerError::Usage(_))));
        assert!(matches!(parse(args(&["--port"]), |_| None), Err(ServerError::Usage(_))));
        assert!(matches!(parse(args(&["--verbose"]), |_| None), Err(ServerError::Usage(_))));
        assert!(matches!(parse(args(&[]), |n| (n == "CRUMB_PORT").then(|| "99999".to_owned())), Err(ServerError::Usage(_))));
        assert_eq!(parse(args(&["--help"]), |_| None).unwrap(), Command::Help);
    }
}
