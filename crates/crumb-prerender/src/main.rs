//! `crumb-prerender`: writes a site's prepaint, the first layer rendered ahead of time, which
//! loader.js paints on a first visit before the wasm has arrived (`data-prepaint`).
//!
//! `crumb-prerender <config.json | page.html> [--i18n DIR] [--out FILE] (LANG... | --all)`

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crumb_prerender::{prepaint, read_config};

const USAGE: &str = "usage: crumb-prerender <config.json | page.html> [--i18n DIR] [--out FILE] (LANG... | --all)\n\
  Renders the banner (first layer) in each language given, or in every language the site offers\n\
  with --all, as the JSON that loader.js paints (data-prepaint) before the widget's wasm arrives.\n\
  --i18n: the widget's built-in texts (default: www/i18n). --out: the file to write (default: stdout).";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("crumb-prerender: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Vec<String>) -> Result<(), String> {
    let mut out = None;
    let mut i18n = PathBuf::from("www/i18n");
    let mut all = false;
    let mut positional = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => out = Some(PathBuf::from(args.next().ok_or("--out needs a file")?)),
            "--i18n" => i18n = PathBuf::from(args.next().ok_or("--i18n needs a folder")?),
            "--all" => all = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}\n{USAGE}")),
            _ => positional.push(arg),
        }
    }
    let [config_path, languages @ ..] = positional.as_slice() else {
        return Err(USAGE.into());
    };
    let config = read_config(Path::new(config_path))?;
    let languages = match (all, languages.is_empty()) {
        (true, true) => config.offered_languages(),
        (false, false) => languages.to_vec(),
        _ => return Err(format!("give the languages to render, or --all\n{USAGE}")),
    };
    let json = prepaint(&config, &i18n, &languages)?.to_string();
    match out {
        Some(path) => std::fs::write(&path, json + "\n").map_err(|e| format!("{}: {e}", path.display())),
        None => {
            println!("{json}");
            Ok(())
        }
    }
}
