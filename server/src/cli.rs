//! The command line and `CRUMB_*` environment variables of the `crumb-server` binary.

use std::path::PathBuf;

use std::time::Duration;

use crate::tokens::TokenCommand;
use crate::{AllowedOrigin, IpMode, Role, ServerConfig, ServerError, Settings, DEFAULT_DATABASE, DEFAULT_SITE_DIR};

pub const USAGE: &str = "\
crumb-server: keeps Crumb consent records (proof of consent) and serves the demo site

Usage: crumb-server [OPTIONS]
       crumb-server backup [--database <PATH>] <FILE>
       crumb-server verify [--database <PATH|URL>] [--site <SITE>] [--digest <FILE>]
       crumb-server digest [--database <PATH|URL>] [--site <SITE>] [--from <DAY>] [--to <DAY>]
       crumb-server token add <NAME> --role <viewer|editor|publisher> [--database <PATH|URL>]
       crumb-server token list [--database <PATH|URL>]
       crumb-server token revoke <NAME> [--database <PATH|URL>]

Commands:
  backup <FILE>              write a checked copy of the SQLite database to FILE (a new file; owner
                             only), also while a server runs on it; for PostgreSQL use pg_dump
  verify                     walk each site's hash chain (or SITE's), recompute every hash and
                             name the first broken link; with --digest, also check the chain
                             still passes through the digests in FILE (JSON lines, as `digest`
                             prints them); exit status 1 when a link is broken
  digest                     print the chain head at the end of each UTC day (JSON lines) for an
                             auditor to keep elsewhere; DAY is YYYY-MM-DD (default: all days)
  token add <NAME>           create an admin token and print it (once: the database keeps only its
                             SHA-256); NAME is 1-64 of A-Z a-z 0-9 . _ @ -; a viewer reads
                             records, rates and configs, an editor also saves drafts, a publisher
                             also publishes
  token list                 print each token's name, role, creation and revocation time
  token revoke <NAME>        revoke a token and end its browser sign-ins

Options (each also read from the environment variable shown; the flag wins):
  --bind <ADDR>              address to listen on [CRUMB_BIND] (default 127.0.0.1)
  --port <PORT>              port to listen on [CRUMB_PORT] (default 8080)
  --database <PATH|URL>      SQLite file, or postgres://user:pass@host:port/db [CRUMB_DATABASE]
                             (default ./crumb-data/consent.sqlite3)
  --admin-token <TOKEN>      a secret that may do everything (caller `admin`, role publisher),
                             beside the named tokens of `token add` [CRUMB_ADMIN_TOKEN] (prefer
                             the variable: flags show in `ps`)
  --allow-origin <SITE=ORIGIN>
                             declare SITE and let pages on ORIGIN (https://shop.example, or
                             https://*.shop.example for its subdomains) post its records;
                             repeatable [CRUMB_ALLOW_ORIGINS, space separated] (default: none: a
                             server with no site refuses every record; the server's own origin
                             too must be listed)
  --trusted-proxy <ADDR[/PREFIX]>
                             a reverse proxy (127.0.0.1, ::1, 10.0.0.0/8) whose X-Forwarded-For
                             names the client for the rate limit and --store-ip; repeatable
                             [CRUMB_TRUSTED_PROXIES, space separated] (default: none, the header
                             is never read)
  --public-origin <ORIGIN>   this server's origin as the public reaches it (https://consent.example),
                             for the hosted-config snippet's script tag [CRUMB_PUBLIC_ORIGIN]
                             (default: from the request's Host, https behind a --trusted-proxy
                             that sends X-Forwarded-Proto)
  --config-max-age <SECONDS> how long browsers and CDNs may reuse a served hosted config, 0 =
                             revalidate on every page view [CRUMB_CONFIG_MAX_AGE] (default 60;
                             stale-while-revalidate ten times as long)
  --rate-limit <N>           records per minute per client address, 0 = off [CRUMB_RATE_LIMIT]
                             (default 120)
  --store-ip <none|truncated>
                             keep no IP, or IPv4 /24 and IPv6 /48 [CRUMB_STORE_IP] (default none)
  --retention-months <N>     delete records received more than N months ago, hourly, except a
                             consent's newest decision while in force (13 months)
                             [CRUMB_RETENTION_MONTHS] (default: keep)
  --header-timeout <SECS>    close connections whose request headers take longer
                             [CRUMB_HEADER_TIMEOUT] (default 10)
  --body-timeout <SECS>      408 for record bodies that take longer [CRUMB_BODY_TIMEOUT] (default 10)
  --write-timeout <SECS>     close connections whose answer the client stops reading for this long
                             [CRUMB_WRITE_TIMEOUT] (default 30)
  --max-connections <N>      connections served at once; more are answered 503 and closed
                             [CRUMB_MAX_CONNECTIONS] (default 1024; keep it under the open-files
                             limit)
  --demo-data                at start, add ~1,500 synthetic records for site crumb-demo over the
                             29 days before today unless it has records (so /admin shows a chart)
  --site-dir <DIR>           built site served at / [CRUMB_SITE_DIR] (default ./dist)
  --precompress              write .br/.gz next to the site's text and wasm files at start (default)
  --no-precompress           serve the site as it is
  -h, --help                 print this help
  -V, --version              print the version
";

/// A parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Serve(Options),
    /// `crumb-server backup FILE`: copy the SQLite database at `database` to `to`.
    Backup {
        database: PathBuf,
        to: PathBuf,
    },
    /// `crumb-server verify`: check the hash chains.
    Verify {
        database: PathBuf,
        site: Option<String>,
        digest: Option<PathBuf>,
    },
    /// `crumb-server digest`: print the daily chain heads.
    Digest {
        database: PathBuf,
        site: Option<String>,
        from: Option<String>,
        to: Option<String>,
    },
    /// `crumb-server token add|list|revoke`: the named admin tokens.
    Token {
        database: PathBuf,
        command: TokenCommand,
    },
    Help,
    Version,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub bind: String,
    pub port: u16,
    pub config: ServerConfig,
    pub precompress: bool,
    pub settings: Settings,
    pub demo_data: bool,
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
    let mut demo_data = false;
    let mut settings = Settings::default();
    if let Some(token) = env("CRUMB_ADMIN_TOKEN") {
        settings.admin_token = Some(token);
    }
    if let Some(list) = env("CRUMB_ALLOW_ORIGINS") {
        for item in list_items(&list) {
            settings.allowed_origins.push(parse_allowed(item, "CRUMB_ALLOW_ORIGINS")?);
        }
    }
    if let Some(list) = env("CRUMB_TRUSTED_PROXIES") {
        for item in list_items(&list) {
            settings.trusted_proxies.push(parse_proxy(item, "CRUMB_TRUSTED_PROXIES")?);
        }
    }
    if let Some(seconds) = env("CRUMB_CONFIG_MAX_AGE") {
        settings.config_max_age = parse_number(&seconds, "CRUMB_CONFIG_MAX_AGE")?;
    }
    if let Some(origin) = env("CRUMB_PUBLIC_ORIGIN") {
        settings.public_origin = Some(parse_origin(&origin, "CRUMB_PUBLIC_ORIGIN")?);
    }
    if let Some(n) = env("CRUMB_RATE_LIMIT") {
        settings.rate_limit_per_minute = parse_number(&n, "CRUMB_RATE_LIMIT")?;
    }
    if let Some(mode) = env("CRUMB_STORE_IP") {
        settings.store_ip = parse_ip_mode(&mode, "CRUMB_STORE_IP")?;
    }
    if let Some(n) = env("CRUMB_RETENTION_MONTHS") {
        settings.retention_months = Some(parse_months(&n, "CRUMB_RETENTION_MONTHS")?);
    }
    if let Some(n) = env("CRUMB_HEADER_TIMEOUT") {
        settings.header_timeout = parse_seconds(&n, "CRUMB_HEADER_TIMEOUT")?;
    }
    if let Some(n) = env("CRUMB_BODY_TIMEOUT") {
        settings.body_timeout = parse_seconds(&n, "CRUMB_BODY_TIMEOUT")?;
    }
    if let Some(n) = env("CRUMB_WRITE_TIMEOUT") {
        settings.write_timeout = parse_seconds(&n, "CRUMB_WRITE_TIMEOUT")?;
    }
    if let Some(n) = env("CRUMB_MAX_CONNECTIONS") {
        settings.max_connections = parse_connections(&n, "CRUMB_MAX_CONNECTIONS")?;
    }

    let mut args = args.into_iter().peekable();
    if args.peek().map(String::as_str) == Some("backup") {
        args.next();
        return parse_backup(args, database);
    }
    if let Some(command) = args.next_if(|arg| arg == "verify" || arg == "digest") {
        return parse_chain_command(&command, args, database);
    }
    if args.next_if(|arg| arg == "token").is_some() {
        return parse_token_command(args, database);
    }
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
            "--admin-token" => settings.admin_token = Some(value("--admin-token")?),
            "--trusted-proxy" => settings.trusted_proxies.push(parse_proxy(&value("--trusted-proxy")?, "--trusted-proxy")?),
            "--allow-origin" => settings.allowed_origins.push(parse_allowed(&value("--allow-origin")?, "--allow-origin")?),
            "--public-origin" => settings.public_origin = Some(parse_origin(&value("--public-origin")?, "--public-origin")?),
            "--config-max-age" => settings.config_max_age = parse_number(&value("--config-max-age")?, "--config-max-age")?,
            "--rate-limit" => settings.rate_limit_per_minute = parse_number(&value("--rate-limit")?, "--rate-limit")?,
            "--store-ip" => settings.store_ip = parse_ip_mode(&value("--store-ip")?, "--store-ip")?,
            "--retention-months" => {
                settings.retention_months = Some(parse_months(&value("--retention-months")?, "--retention-months")?);
            }
            "--header-timeout" => settings.header_timeout = parse_seconds(&value("--header-timeout")?, "--header-timeout")?,
            "--body-timeout" => settings.body_timeout = parse_seconds(&value("--body-timeout")?, "--body-timeout")?,
            "--write-timeout" => settings.write_timeout = parse_seconds(&value("--write-timeout")?, "--write-timeout")?,
            "--max-connections" => {
                settings.max_connections = parse_connections(&value("--max-connections")?, "--max-connections")?;
            }
            "--demo-data" => demo_data = true,
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
    if settings.admin_token.as_deref().is_some_and(|t| t.len() < 16) {
        return Err(ServerError::Usage("--admin-token must be at least 16 characters".to_owned()));
    }
    Ok(Command::Serve(Options { bind, port, config: ServerConfig { database, site_dir }, precompress, settings, demo_data }))
}

/// `backup [--database PATH] FILE` (the database also from `CRUMB_DATABASE`).
fn parse_backup(mut args: impl Iterator<Item = String>, mut database: PathBuf) -> Result<Command, ServerError> {
    let mut to = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--database" => database = PathBuf::from(args.next().ok_or_else(|| ServerError::Usage("--database needs a value".to_owned()))?),
            flag if flag.starts_with("--database=") => database = PathBuf::from(&flag["--database=".len()..]),
            "-h" | "--help" => return Ok(Command::Help),
            flag if flag.starts_with('-') => return Err(ServerError::Usage(format!("backup: unknown argument `{flag}`"))),
            file if to.is_none() => to = Some(PathBuf::from(file)),
            extra => return Err(ServerError::Usage(format!("backup takes one file, not also `{extra}`"))),
        }
    }
    let to =
        to.ok_or_else(|| ServerError::Usage("backup needs the file to write (crumb-server backup /backups/consent.sqlite3)".to_owned()))?;
    if crate::database::is_postgres_url(&database) {
        return Err(ServerError::Usage("backup copies SQLite databases; back PostgreSQL up with pg_dump (docs/deploy.md)".to_owned()));
    }
    Ok(Command::Backup { database, to })
}

/// `verify [--database D] [--site S] [--digest FILE]` and
/// `digest [--database D] [--site S] [--from DAY] [--to DAY]`.
fn parse_chain_command(command: &str, mut args: impl Iterator<Item = String>, mut database: PathBuf) -> Result<Command, ServerError> {
    let (mut site, mut digest, mut from, mut to) = (None, None, None, None);
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag.to_owned(), Some(value.to_owned())),
            _ => (arg, None),
        };
        let mut value = |name: &str| {
            inline.clone().or_else(|| args.next()).ok_or_else(|| ServerError::Usage(format!("{command}: {name} needs a value")))
        };
        match flag.as_str() {
            "--database" => database = PathBuf::from(value("--database")?),
            "--site" => {
                let text = value("--site")?;
                if !crumb_core::is_site_id(&text) {
                    return Err(ServerError::Usage(format!("{command}: --site must be a site id, not `{text}`")));
                }
                site = Some(text);
            }
            "--digest" if command == "verify" => digest = Some(PathBuf::from(value("--digest")?)),
            "--from" if command == "digest" => from = Some(value("--from")?),
            "--to" if command == "digest" => to = Some(value("--to")?),
            "-h" | "--help" => return Ok(Command::Help),
            other => return Err(ServerError::Usage(format!("{command}: unknown argument `{other}`"))),
        }
    }
    Ok(if command == "verify" { Command::Verify { database, site, digest } } else { Command::Digest { database, site, from, to } })
}

/// `token add NAME --role ROLE`, `token list`, `token revoke NAME`, each with `[--database D]`.
fn parse_token_command(mut args: impl Iterator<Item = String>, mut database: PathBuf) -> Result<Command, ServerError> {
    let usage = || ServerError::Usage("token needs add NAME --role ROLE, list, or revoke NAME".to_owned());
    let action = args.next().ok_or_else(usage)?;
    if action == "-h" || action == "--help" {
        return Ok(Command::Help);
    }
    let (mut name, mut role) = (None, None);
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag.to_owned(), Some(value.to_owned())),
            _ => (arg, None),
        };
        let mut value =
            |flag: &str| inline.clone().or_else(|| args.next()).ok_or_else(|| ServerError::Usage(format!("token: {flag} needs a value")));
        match flag.as_str() {
            "--database" => database = PathBuf::from(value("--database")?),
            "--role" if action == "add" => {
                let text = value("--role")?;
                role = Some(
                    Role::parse(&text)
                        .ok_or_else(|| ServerError::Usage(format!("token: --role must be viewer, editor or publisher, not `{text}`")))?,
                );
            }
            "-h" | "--help" => return Ok(Command::Help),
            other if other.starts_with('-') => return Err(ServerError::Usage(format!("token {action}: unknown argument `{other}`"))),
            other if name.is_none() && action != "list" => name = Some(other.to_owned()),
            other => return Err(ServerError::Usage(format!("token {action}: unexpected `{other}`"))),
        }
    }
    let named = |name: Option<String>| name.ok_or_else(|| ServerError::Usage(format!("token {action} needs a NAME")));
    let command = match action.as_str() {
        "add" => TokenCommand::Add {
            name: named(name)?,
            role: role.ok_or_else(|| ServerError::Usage("token add needs --role viewer, editor or publisher".to_owned()))?,
        },
        "list" => TokenCommand::List,
        "revoke" => TokenCommand::Revoke { name: named(name)? },
        _ => return Err(usage()),
    };
    command.check()?;
    Ok(Command::Token { database, command })
}

/// The items of a list in an environment variable, separated by spaces, commas or newlines.
fn list_items(list: &str) -> impl Iterator<Item = &str> {
    list.split([' ', ',', '\n']).filter(|s| !s.is_empty())
}

fn parse_proxy(text: &str, name: &str) -> Result<crate::TrustedProxy, ServerError> {
    crate::TrustedProxy::parse(text)
        .ok_or_else(|| ServerError::Usage(format!("{name} must be an IP address or network (127.0.0.1, 10.0.0.0/8, ::1), not `{text}`")))
}

fn parse_number(text: &str, name: &str) -> Result<u32, ServerError> {
    text.trim().parse().map_err(|_| ServerError::Usage(format!("{name} must be a whole number, not `{text}`")))
}

fn parse_months(text: &str, name: &str) -> Result<u32, ServerError> {
    match parse_number(text, name)? {
        months @ 1..=1200 => Ok(months),
        _ => Err(ServerError::Usage(format!("{name} must be 1 to 1200 months, not `{text}`"))),
    }
}

fn parse_seconds(text: &str, name: &str) -> Result<Duration, ServerError> {
    match parse_number(text, name)? {
        seconds @ 1..=3600 => Ok(Duration::from_secs(u64::from(seconds))),
        _ => Err(ServerError::Usage(format!("{name} must be 1 to 3600 seconds, not `{text}`"))),
    }
}

fn parse_connections(text: &str, name: &str) -> Result<usize, ServerError> {
    match parse_number(text, name)? {
        n @ 1..=1_000_000 => Ok(n as usize),
        _ => Err(ServerError::Usage(format!("{name} must be 1 to 1000000 connections, not `{text}`"))),
    }
}

fn parse_ip_mode(text: &str, name: &str) -> Result<IpMode, ServerError> {
    match text.trim() {
        "none" => Ok(IpMode::None),
        "truncated" => Ok(IpMode::Truncated),
        _ => Err(ServerError::Usage(format!("{name} must be `none` or `truncated`, not `{text}`"))),
    }
}

/// `SITE=ORIGIN` where ORIGIN is `http(s)://host[:port]` without path.
fn parse_allowed(text: &str, name: &str) -> Result<AllowedOrigin, ServerError> {
    let bad = || ServerError::Usage(format!("{name} must be SITE=ORIGIN (crumb-demo=https://shop.example), not `{text}`"));
    let (site, origin) = text.trim().split_once('=').ok_or_else(bad)?;
    let rest = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://")).ok_or_else(bad)?;
    // `*.` may lead the host (any subdomain); no other `*`.
    let host = rest.strip_prefix("*.").unwrap_or(rest);
    if !crumb_core::is_site_id(site) || host.is_empty() || host.starts_with(['.', ':']) || host.contains(['/', '?', '#', ' ', '*']) {
        return Err(bad());
    }
    Ok(AllowedOrigin { site: site.to_owned(), origin: origin.to_owned() })
}

/// `http(s)://host[:port]` without path (a trailing `/` is dropped).
fn parse_origin(text: &str, name: &str) -> Result<String, ServerError> {
    let origin = text.trim().trim_end_matches('/');
    let host = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://")).unwrap_or("");
    let plain = !host.is_empty() && host.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b));
    if !plain || host.starts_with(['.', ':']) {
        return Err(ServerError::Usage(format!("{name} must be an origin like https://consent.example (no path), not `{text}`")));
    }
    Ok(origin.to_owned())
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
        assert!(matches!(parse(args(&["--store-ip", "full"]), |_| None), Err(ServerError::Usage(_))));
        assert!(matches!(parse(args(&["--allow-origin", "shop"]), |_| None), Err(ServerError::Usage(_))));
        for bad in ["shop=https://*", "shop=https://*.", "shop=https://a.*.example", "shop=https://**.example", "shop=https://*.:8080"] {
            assert!(matches!(parse(args(&["--allow-origin", bad]), |_| None), Err(ServerError::Usage(_))), "{bad}");
        }
        let wildcard = serve(parse(args(&["--allow-origin", "shop=https://*.shop.example:8443"]), |_| None).unwrap());
        assert_eq!(wildcard.settings.allowed_origins[0].origin, "https://*.shop.example:8443");
        assert!(matches!(parse(args(&["--allow-origin", "shop=https://a.example/path"]), |_| None), Err(ServerError::Usage(_))));
        assert!(matches!(parse(args(&["--admin-token", "short"]), |_| None), Err(ServerError::Usage(_))));
        assert!(matches!(parse(args(&["--retention-months", "0"]), |_| None), Err(ServerError::Usage(_))));
        assert!(matches!(parse(args(&["--max-connections", "0"]), |_| None), Err(ServerError::Usage(_))));
        assert!(matches!(parse(args(&["--write-timeout", "0"]), |_| None), Err(ServerError::Usage(_))));
    }

    #[test]
    fn connection_cap_and_write_timeout() {
        let defaults = serve(parse(args(&[]), |_| None).unwrap()).settings;
        assert_eq!((defaults.max_connections, defaults.write_timeout), (1024, Duration::from_secs(30)));
        let env = |name: &str| (name == "CRUMB_MAX_CONNECTIONS").then(|| "200".to_owned());
        let settings = serve(parse(args(&["--write-timeout", "5"]), env).unwrap()).settings;
        assert_eq!((settings.max_connections, settings.write_timeout), (200, Duration::from_secs(5)));
        let settings = serve(parse(args(&["--max-connections=64"]), env).unwrap()).settings;
        assert_eq!(settings.max_connections, 64, "the flag wins");
    }

    #[test]
    fn service_settings_from_flags_and_environment() {
        let env = |name: &str| match name {
            "CRUMB_ADMIN_TOKEN" => Some("token-from-the-environment".to_owned()),
            "CRUMB_ALLOW_ORIGINS" => Some("shop=https://shop.example blog=http://localhost:3000".to_owned()),
            "CRUMB_STORE_IP" => Some("truncated".to_owned()),
            _ => None,
        };
        let options = serve(
            parse(args(&["--rate-limit", "0", "--retention-months=24", "--body-timeout", "3", "--header-timeout", "4"]), env).unwrap(),
        );
        let settings = options.settings;
        assert_eq!(settings.admin_token.as_deref(), Some("token-from-the-environment"));
        assert_eq!(settings.allowed_origins.len(), 2);
        assert_eq!(settings.allowed_origins[1], AllowedOrigin { site: "blog".into(), origin: "http://localhost:3000".into() });
        assert_eq!(settings.store_ip, IpMode::Truncated);
        assert_eq!(settings.rate_limit_per_minute, 0);
        assert_eq!(settings.retention_months, Some(24));
        assert_eq!(settings.body_timeout, Duration::from_secs(3));
        assert_eq!(settings.header_timeout, Duration::from_secs(4));
        let defaults = serve(parse(args(&[]), |_| None).unwrap()).settings;
        assert_eq!(defaults, Settings::default());
        assert_eq!(defaults.store_ip, IpMode::None, "no IP is kept unless asked");
    }

    #[test]
    fn public_origin_is_an_origin() {
        let options = serve(parse(args(&["--public-origin", "https://consent.example/"]), |_| None).unwrap());
        assert_eq!(options.settings.public_origin.as_deref(), Some("https://consent.example"));
        let env = |name: &str| (name == "CRUMB_PUBLIC_ORIGIN").then(|| "http://localhost:8080".to_owned());
        assert_eq!(serve(parse(args(&[]), env).unwrap()).settings.public_origin.as_deref(), Some("http://localhost:8080"));
        for bad in ["consent.example", "https://consent.example/path", "javascript:alert(1)", "https://\"><script>"] {
            assert!(matches!(parse(args(&["--public-origin", bad]), |_| None), Err(ServerError::Usage(_))), "{bad}");
        }
    }

    #[test]
    fn backup_takes_one_file_and_the_database() {
        let env = |name: &str| (name == "CRUMB_DATABASE").then(|| "/var/lib/crumb/consent.sqlite3".to_owned());
        assert_eq!(
            parse(args(&["backup", "/backups/a.sqlite3"]), env).unwrap(),
            Command::Backup { database: PathBuf::from("/var/lib/crumb/consent.sqlite3"), to: PathBuf::from("/backups/a.sqlite3") }
        );
        assert_eq!(
            parse(args(&["backup", "--database", "x.sqlite3", "b.sqlite3"]), |_| None).unwrap(),
            Command::Backup { database: PathBuf::from("x.sqlite3"), to: PathBuf::from("b.sqlite3") }
        );
        for bad in [&["backup"][..], &["backup", "a", "b"], &["backup", "--port", "1", "a"], &["backup", "--database"]] {
            assert!(matches!(parse(args(bad), |_| None), Err(ServerError::Usage(_))), "{bad:?}");
        }
        let pg = parse(args(&["backup", "--database", "postgres://u@h/db", "a"]), |_| None).unwrap_err();
        assert!(pg.to_string().contains("pg_dump"), "{pg}");
    }

    #[test]
    fn verify_and_digest_take_the_database_and_a_site() {
        let env = |name: &str| (name == "CRUMB_DATABASE").then(|| "/var/lib/crumb/consent.sqlite3".to_owned());
        assert_eq!(
            parse(args(&["verify"]), env).unwrap(),
            Command::Verify { database: PathBuf::from("/var/lib/crumb/consent.sqlite3"), site: None, digest: None }
        );
        assert_eq!(
            parse(args(&["verify", "--database=postgres://u@h/db", "--site", "shop", "--digest", "kept.jsonl"]), |_| None).unwrap(),
            Command::Verify {
                database: PathBuf::from("postgres://u@h/db"),
                site: Some("shop".into()),
                digest: Some(PathBuf::from("kept.jsonl"))
            }
        );
        assert_eq!(
            parse(args(&["digest", "--site", "shop", "--from", "2026-11-01", "--to=2026-11-30"]), env).unwrap(),
            Command::Digest {
                database: PathBuf::from("/var/lib/crumb/consent.sqlite3"),
                site: Some("shop".into()),
                from: Some("2026-11-01".into()),
                to: Some("2026-11-30".into())
            }
        );
        for bad in
            [&["verify", "--from", "2026-01-01"][..], &["digest", "--digest", "x"], &["verify", "--site"], &["verify", "--site", "<b>"]]
        {
            assert!(matches!(parse(args(bad), |_| None), Err(ServerError::Usage(_))), "{bad:?}");
        }
    }

    #[test]
    fn token_commands_take_a_name_a_role_and_the_database() {
        let env = |name: &str| (name == "CRUMB_DATABASE").then(|| "/var/lib/crumb/consent.sqlite3".to_owned());
        let database = PathBuf::from("/var/lib/crumb/consent.sqlite3");
        assert_eq!(
            parse(args(&["token", "add", "alice@shop.example", "--role", "editor"]), env).unwrap(),
            Command::Token {
                database: database.clone(),
                command: TokenCommand::Add { name: "alice@shop.example".into(), role: Role::Editor }
            }
        );
        assert_eq!(
            parse(args(&["token", "list", "--database=postgres://u@h/db"]), env).unwrap(),
            Command::Token { database: PathBuf::from("postgres://u@h/db"), command: TokenCommand::List }
        );
        assert_eq!(
            parse(args(&["token", "revoke", "--database", "x.sqlite3", "ci"]), env).unwrap(),
            Command::Token { database: PathBuf::from("x.sqlite3"), command: TokenCommand::Revoke { name: "ci".into() } }
        );
        for bad in [
            &["token"][..],
            &["token", "add", "ci"],
            &["token", "add", "ci", "--role", "owner"],
            &["token", "add", "--role", "viewer"],
            &["token", "add", "bad name", "--role", "viewer"],
            &["token", "add", "admin", "--role", "viewer"],
            &["token", "list", "extra"],
            &["token", "revoke"],
            &["token", "revoke", "a", "b"],
            &["token", "list", "--role", "viewer"],
            &["token", "rename", "a"],
        ] {
            assert!(matches!(parse(args(bad), |_| None), Err(ServerError::Usage(_))), "{bad:?}");
        }
    }

    #[test]
    fn trusted_proxies_by_flag_and_environment() {
        let env = |name: &str| (name == "CRUMB_TRUSTED_PROXIES").then(|| "127.0.0.1, ::1".to_owned());
        let options = serve(parse(args(&["--trusted-proxy", "10.0.0.0/8"]), env).unwrap());
        let expected: Vec<_> = ["127.0.0.1", "::1", "10.0.0.0/8"].iter().map(|p| crate::TrustedProxy::parse(p).unwrap()).collect();
        assert_eq!(options.settings.trusted_proxies, expected);
        assert!(serve(parse(args(&[]), |_| None).unwrap()).settings.trusted_proxies.is_empty());
        let err = parse(args(&["--trusted-proxy", "proxy.local"]), |_| None).unwrap_err();
        assert!(err.to_string().contains("IP address or network"), "{err}");
    }
}
