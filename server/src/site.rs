//! The built site served at `/` (precompressed `.br`/`.gz` siblings preferred) and
//! [`precompress`], which writes those siblings.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use axum::http::{header, HeaderValue};
use axum::middleware;
use axum::response::Response;
use axum::Router;
use flate2::write::GzEncoder;
use flate2::Compression;
use tower_http::services::ServeDir;

use crate::ServerError;

/// Extensions [`precompress`] compresses (text formats and wasm; images are compressed already).
pub const COMPRESSIBLE: &[&str] = &["js", "wasm", "css", "json", "html", "svg"];

/// Serves the files under `site_dir`, with `index.html` for directories. When the browser accepts
/// it, a `.br` (then `.gz`) sibling is sent instead with `Content-Encoding` set.
pub fn static_router(site_dir: &Path) -> Router {
    let files = ServeDir::new(site_dir).precompressed_br().precompressed_gzip().append_index_html_on_directories(true);
    Router::new().fallback_service(files).layer(middleware::map_response(static_headers))
}

/// HTML and JSON (config, translations) change without changing name: browsers revalidate them.
/// The body depends on `Accept-Encoding`, which caches must know (`ServeDir` does not say so).
///
/// The widget's own kinds of file (scripts, wasm, styles, JSON) may be loaded by any page:
/// `loader.js` imports the glue as a module and fetches the wasm, which a page on another origin
/// (the widget served from crumb-server, the site elsewhere) or a sandboxed frame (origin `null`)
/// can do only with `Access-Control-Allow-Origin`. They are public and read without cookies
/// (`*` never carries credentials). Pages (`text/html`) and anything else do not get it, so a page
/// on another origin cannot read a site folder's documents through a visitor's browser.
async fn static_headers(mut response: Response) -> Response {
    let content_type = response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let is_document = content_type.starts_with("text/html") || content_type.starts_with("application/json");
    let is_widget_file = ["text/javascript", "application/javascript", "application/wasm", "text/css", "application/json"]
        .iter()
        .any(|kind| content_type.starts_with(kind));
    let headers = response.headers_mut();
    if is_document && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    }
    if is_widget_file {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
        headers.insert(header::HeaderName::from_static("cross-origin-resource-policy"), HeaderValue::from_static("cross-origin"));
    }
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

/// What [`precompress`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PrecompressReport {
    /// Compressible files found.
    pub files: usize,
    /// `.br` and `.gz` files written (missing or older than their source).
    pub written: usize,
}

/// Writes `file.br` (brotli, quality 11) and `file.gz` (gzip, best) next to every compressible
/// file under `dir`, recursively, when missing or older than the file.
pub fn precompress(dir: &Path) -> Result<PrecompressReport, ServerError> {
    let mut report = PrecompressReport::default();
    visit(dir, &mut report)?;
    Ok(report)
}

fn visit(dir: &Path, report: &mut PrecompressReport) -> Result<(), ServerError> {
    let entries = fs::read_dir(dir).map_err(|e| ServerError::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| ServerError::io(dir, e))?;
        let path = entry.path();
        // `file_type` does not follow symlinks: linked folders are not walked (no cycles).
        let file_type = entry.file_type().map_err(|e| ServerError::io(&path, e))?;
        if file_type.is_dir() {
            visit(&path, report)?;
            continue;
        }
        let is_file = file_type.is_file() || (file_type.is_symlink() && path.is_file());
        let compressible = path.extension().and_then(|e| e.to_str()).is_some_and(|e| COMPRESSIBLE.contains(&e));
        if !is_file || !compressible {
            continue;
        }
        report.files += 1;
        let source_time = modified(&path);
        let mut contents = None;
        for (suffix, compress) in [("br", brotli_bytes as fn(&[u8]) -> io::Result<Vec<u8>>), ("gz", gzip_bytes)] {
            let target = sibling(&path, suffix);
            let fresh = match (source_time, modified(&target)) {
                (Some(source), Some(target)) => target >= source,
                _ => false,
            };
            if fresh {
                continue;
            }
            if contents.is_none() {
                contents = Some(fs::read(&path).map_err(|e| ServerError::io(&path, e))?);
            }
            let compressed = compress(contents.as_deref().unwrap_or_default()).map_err(|e| ServerError::io(&path, e))?;
            write_atomically(&target, &compressed)?;
            report.written += 1;
        }
    }
    Ok(())
}

fn modified(path: &Path) -> Option<SystemTime> {
    fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

/// Writes a temporary file and renames it, so a request never sees half a `.br`.
fn write_atomically(target: &Path, bytes: &[u8]) -> Result<(), ServerError> {
    let temporary = sibling(target, "tmp");
    fs::write(&temporary, bytes).map_err(|e| ServerError::io(&temporary, e))?;
    fs::rename(&temporary, target).map_err(|e| ServerError::io(target, e))
}

fn brotli_bytes(input: &[u8]) -> io::Result<Vec<u8>> {
    let params = brotli::enc::BrotliEncoderParams { quality: 11, lgwin: 22, ..Default::default() };
    let mut output = Vec::with_capacity(input.len() / 3 + 64);
    brotli::BrotliCompress(&mut &input[..], &mut output, &params)?;
    Ok(output)
}

fn gzip_bytes(input: &[u8]) -> io::Result<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::with_capacity(input.len() / 3 + 64), Compression::best());
    encoder.write_all(input)?;
    encoder.finish()
}
