//! The built site served at `/` (precompressed `.br`/`.gz` siblings preferred) and
//! [`precompress`], which writes those siblings.

use std::ffi::OsString;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use flate2::write::GzEncoder;
use flate2::Compression;
use tower_http::services::ServeDir;

use crate::ServerError;

/// Extensions [`precompress`] compresses (text formats and wasm; images are compressed already).
pub const COMPRESSIBLE: &[&str] = &["js", "wasm", "css", "json", "html", "svg"];

/// Serves the files under `site_dir`, with `index.html` for directories. When the browser accepts
/// it, a `.br` (then `.gz`) sibling is sent instead with `Content-Encoding` set.
///
/// Only files inside the folder are served: a path whose real location (symlinks followed, the
/// `.br`/`.gz` sibling too) leaves the folder, or that has a segment starting with `.` (`.git`,
/// `.env`, `.well-known`), is 404.
pub fn static_router(site_dir: &Path) -> Router {
    static_router_beside(site_dir, None)
}

/// [`static_router`] that also never serves the SQLite `database` when it lies inside the site
/// folder: its whole folder is refused (the file, its `-wal`, `-shm` and `-journal`, and backups
/// kept beside it), or, when the database sits in the site folder itself, every file whose name
/// starts with the database's name.
pub fn static_router_beside(site_dir: &Path, database: Option<&Path>) -> Router {
    let files = ServeDir::new(site_dir).precompressed_br().precompressed_gzip().append_index_html_on_directories(true);
    let guard = Arc::new(SiteGuard {
        site_dir: site_dir.to_path_buf(),
        database: database.filter(|d| !crate::database::is_postgres_url(d)).map(Path::to_path_buf),
    });
    Router::new()
        .fallback_service(files)
        .layer(middleware::from_fn_with_state(guard, refuse_outside))
        .layer(middleware::map_response(static_headers))
        .layer(middleware::map_response(same_site_redirects))
}

/// What [`refuse_outside`] checks paths against.
struct SiteGuard {
    site_dir: PathBuf,
    database: Option<PathBuf>,
}

struct Resolved {
    /// The site folder with every symlink resolved.
    root: PathBuf,
    database: Option<DatabaseRefusal>,
}

/// The database's files, when they lie inside the site folder.
struct DatabaseRefusal {
    /// The database's folder, canonical.
    folder: PathBuf,
    /// `None`: the whole folder (a subfolder of the site). `Some(name)`: the database sits in the
    /// site folder itself; files whose name starts with `name` there.
    name: Option<OsString>,
}

impl SiteGuard {
    /// The folder as it is now (resolved at each request: a site folder that is a symlink switched
    /// to a new release is followed). `None` while it does not exist.
    fn resolved(&self) -> Option<Resolved> {
        let root = fs::canonicalize(&self.site_dir).ok()?;
        let database = self.database.as_deref().and_then(|database| {
            let name = database.file_name()?.to_owned();
            let parent = database.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
            let folder = fs::canonicalize(parent).ok()?;
            if folder == root {
                Some(DatabaseRefusal { folder, name: Some(name) })
            } else if folder.starts_with(&root) {
                Some(DatabaseRefusal { folder, name: None })
            } else {
                // Outside the site folder: every path there is refused as outside anyway.
                None
            }
        });
        Some(Resolved { root, database })
    }
}

impl Resolved {
    /// Whether `target`, a canonical path, may be served.
    fn allows(&self, target: &Path) -> bool {
        let Ok(inside) = target.strip_prefix(&self.root) else {
            return false;
        };
        if inside.components().any(|c| c.as_os_str().as_encoded_bytes().starts_with(b".")) {
            return false;
        }
        match &self.database {
            Some(DatabaseRefusal { folder, name: None }) => !target.starts_with(folder),
            Some(DatabaseRefusal { folder, name: Some(name) }) => {
                let in_folder = target.parent() == Some(folder.as_path());
                let named = target.file_name().is_some_and(|n| n.as_encoded_bytes().starts_with(name.as_encoded_bytes()));
                !(in_folder && named)
            }
            None => true,
        }
    }

    /// Whether the file `ServeDir` would answer `request_path` with (and its `.br`/`.gz` siblings)
    /// lie inside the site folder. Blocks (file system).
    fn allows_request(&self, request_path: &str) -> bool {
        let Some(decoded) = percent_decode(request_path) else {
            return false;
        };
        // The same path ServeDir builds: the folder, then each decoded segment.
        let mut path = self.root.clone();
        for segment in decoded.split('/').filter(|s| !s.is_empty()) {
            if segment.starts_with('.') {
                return false;
            }
            path.push(segment);
        }
        let target = match fs::canonicalize(&path) {
            Ok(target) if self.allows(&target) => target,
            // Missing, or outside: 404 either way.
            _ => return false,
        };
        if target.is_dir() {
            if !request_path.ends_with('/') {
                // ServeDir answers with a redirect to the folder's path with a `/`.
                return true;
            }
            path.push("index.html");
            match fs::canonicalize(&path) {
                Ok(index) if self.allows(&index) => {}
                _ => return false,
            }
        }
        ["br", "gz"].iter().all(|suffix| {
            let compressed = sibling(&path, suffix);
            fs::symlink_metadata(&compressed).is_err() || fs::canonicalize(&compressed).is_ok_and(|t| self.allows(&t))
        })
    }
}

/// 404 for every path [`Resolved::allows_request`] refuses, before `ServeDir` opens anything.
async fn refuse_outside(State(guard): State<Arc<SiteGuard>>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let allowed =
        tokio::task::spawn_blocking(move || guard.resolved().is_some_and(|resolved| resolved.allows_request(&path))).await.unwrap_or(false);
    if allowed {
        next.run(request).await
    } else {
        (StatusCode::NOT_FOUND, Body::empty()).into_response()
    }
}

/// `%XX` decoded as ServeDir decodes it (other `%` kept as they are); `None` when not UTF-8.
fn percent_decode(path: &str) -> Option<String> {
    let bytes = path.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(high), Some(low)) => {
                decoded.push((high * 16 + low) as u8);
                i += 3;
            }
            (byte, _, _) => {
                decoded.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(decoded).ok()
}

/// Every redirect the server answers points to a path on this server: a `Location` that does not
/// start with exactly one `/` (`//host/…` or `/\host/…`, which browsers read as another host) gets
/// its leading slashes and backslashes collapsed into one. ServeDir redirects `//demo` to
/// `//demo/` otherwise.
pub(crate) async fn same_site_redirects(mut response: Response) -> Response {
    if let Some(location) = response.headers().get(header::LOCATION) {
        let bytes = location.as_bytes();
        let safe = bytes.first() == Some(&b'/') && !matches!(bytes.get(1), Some(b'/' | b'\\'));
        if !safe {
            let rest: Vec<u8> = bytes.iter().copied().skip_while(|b| matches!(b, b'/' | b'\\')).collect();
            let mut fixed = Vec::with_capacity(rest.len() + 1);
            fixed.push(b'/');
            fixed.extend_from_slice(&rest);
            match HeaderValue::from_bytes(&fixed) {
                Ok(value) => {
                    response.headers_mut().insert(header::LOCATION, value);
                }
                Err(_) => {
                    response.headers_mut().remove(header::LOCATION);
                }
            }
        }
    }
    response
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
    /// Compressible names left alone: symlinks whose target is outside the folder (or missing).
    pub skipped: usize,
}

/// Writes `file.br` (brotli, quality 11) and `file.gz` (gzip, best) next to every compressible
/// file under `dir`, recursively, when missing or older than the file.
///
/// Never writes outside `dir`: names starting with `.` (not served) and symlinked folders are not
/// walked, a symlinked file whose target leaves `dir` is skipped, and each `.br`/`.gz` is written
/// to a new temporary file (`create_new`, not following symlinks, owner-only until it is complete,
/// then the source's permissions) renamed over the old one, which replaces a planted symlink
/// instead of writing through it.
pub fn precompress(dir: &Path) -> Result<PrecompressReport, ServerError> {
    let root = fs::canonicalize(dir).map_err(|e| ServerError::io(dir, e))?;
    let mut report = PrecompressReport::default();
    visit(&root, dir, &mut report)?;
    Ok(report)
}

fn visit(root: &Path, dir: &Path, report: &mut PrecompressReport) -> Result<(), ServerError> {
    let entries = fs::read_dir(dir).map_err(|e| ServerError::io(dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| ServerError::io(dir, e))?;
        if entry.file_name().as_encoded_bytes().starts_with(b".") {
            // Never served (and our own temporary files).
            continue;
        }
        let path = entry.path();
        // `file_type` does not follow symlinks: linked folders are not walked (no cycles).
        let file_type = entry.file_type().map_err(|e| ServerError::io(&path, e))?;
        if file_type.is_dir() {
            visit(root, &path, report)?;
            continue;
        }
        let compressible = path.extension().and_then(|e| e.to_str()).is_some_and(|e| COMPRESSIBLE.contains(&e));
        if !compressible {
            continue;
        }
        if file_type.is_symlink() {
            match fs::canonicalize(&path) {
                Ok(target) if target.starts_with(root) && target.is_file() => {}
                Ok(target) if target.is_dir() => continue,
                _ => {
                    report.skipped += 1;
                    continue;
                }
            }
        } else if !file_type.is_file() {
            continue;
        }
        report.files += 1;
        let source = fs::metadata(&path).map_err(|e| ServerError::io(&path, e))?;
        let source_time = source.modified().ok();
        let mut contents = None;
        for (suffix, compress) in [("br", brotli_bytes as fn(&[u8]) -> io::Result<Vec<u8>>), ("gz", gzip_bytes)] {
            let target = sibling(&path, suffix);
            // A symlink planted in place of the `.br` is never fresh: it is replaced.
            let target_time = fs::symlink_metadata(&target).ok().filter(|m| m.is_file()).and_then(|m| m.modified().ok());
            let fresh = match (source_time, target_time) {
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
            write_atomically(&target, &compressed, source.permissions())?;
            report.written += 1;
        }
    }
    Ok(())
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

/// Writes a new temporary file beside `target` and renames it over `target`, so a request never
/// sees half a `.br`. The temporary file has an unpredictable name starting with `.` (never
/// served), is created with `create_new` (`O_EXCL`: an existing file or symlink of that name is an
/// error, never written through; on Unix also `O_NOFOLLOW`), owner-only (0600) until it is
/// complete, then gets `permissions` (the source's: the file is as public as the one it
/// compresses). The rename replaces a symlink at `target` itself, not what it points to.
fn write_atomically(target: &Path, bytes: &[u8], permissions: fs::Permissions) -> Result<(), ServerError> {
    let folder = target.parent().unwrap_or(Path::new("."));
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut attempts = 0;
    let (temporary, mut file) = loop {
        let temporary = folder.join(format!(".{name}.{:016x}.tmp", unpredictable()));
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
        }
        match options.open(&temporary) {
            Ok(file) => break (temporary, file),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempts < 8 => attempts += 1,
            Err(e) => return Err(ServerError::io(&temporary, e)),
        }
    };
    let written = file.write_all(bytes).and_then(|()| file.set_permissions(permissions));
    drop(file);
    if let Err(e) = written.and_then(|()| fs::rename(&temporary, target)) {
        let _ = fs::remove_file(&temporary);
        return Err(ServerError::io(target, e));
    }
    Ok(())
}

/// 64 bits no other local user can guess: the standard library's randomly keyed hasher over a
/// counter, the clock and the process id.
fn unpredictable() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u128(SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
    hasher.write_u32(std::process::id());
    hasher.finish()
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
