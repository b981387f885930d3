//! The built widget and other static pages: precompressed variants chosen by
//! `Accept-Encoding`, cache rules by file name, and the security headers every response
//! carries (the CSP on HTML).

use std::path::Path;

use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use tower_http::services::{ServeDir, ServeFile};

/// For every HTML page: no inline script or style, wasm compiled from its own origin only.
pub const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; \
     base-uri 'self'; frame-ancestors 'self'";
/// Content-hashed names never change content.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Everything else is revalidated on each use (cheap with ETag / Last-Modified).
pub const REVALIDATE: &str = "no-cache";

/// `dir` served with its `.br`/`.gz` siblings; with `spa`, unknown paths get index.html
/// so client-side routes survive a reload.
pub fn static_files(dir: &Path, spa: bool) -> Router {
    let files = ServeDir::new(dir).precompressed_br().precompressed_gzip();
    let router = if spa {
        let index = ServeFile::new(dir.join("index.html"))
            .precompressed_br()
            .precompressed_gzip();
        Router::new().fallback_service(files.fallback(index))
    } else {
        Router::new().fallback_service(files)
    };
    router.layer(axum::middleware::from_fn(cache_headers))
}

async fn cache_headers(request: Request, next: Next) -> Response {
    let hashed = is_hashed_name(request.uri().path());
    let mut response = next.run(request).await;
    // A 304 refreshes the cached headers too, so it must say immutable as well.
    let found = response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED;
    let hashed = hashed && found && !is_html(response.headers());
    let html = is_html(response.headers());
    let headers = response.headers_mut();
    // A portal on another origin loads the loader's widget with import() and fetch(), which
    // need CORS; these files are public, the same for everyone.
    if found && !html {
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if hashed { IMMUTABLE } else { REVALIDATE }),
    );
    let varies = headers.get_all(header::VARY).iter().any(|v| {
        v.to_str()
            .is_ok_and(|v| v.to_ascii_lowercase().contains("accept-encoding"))
    });
    if !varies {
        headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

/// Added to every response of the server.
pub async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    if is_html(headers) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
    }
    response
}

fn is_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("text/html"))
}

/// `…-<16 lowercase hex>(_bg)?.(js|wasm|css)` at the end of the path.
pub fn is_hashed_name(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let Some(stem) = [".js", ".wasm", ".css"]
        .iter()
        .find_map(|ext| name.strip_suffix(ext))
    else {
        return false;
    };
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    let Some((_, hash)) = stem.rsplit_once('-') else {
        return false;
    };
    hash.len() == 16
        && hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_follow_the_contract() {
        for name in [
            "/messenger-widget-0123456789abcdef.js",
            "/messenger-widget-0123456789abcdef_bg.wasm",
            "/messenger-fedcba9876543210.css",
            "/intranet/x-0000000000000000.js",
        ] {
            assert!(is_hashed_name(name), "{name}");
        }
        for name in [
            "/messenger-loader.js",
            "/index.html",
            "/messenger-widget-0123456789ABCDEF.js",
            "/messenger-widget-0123456789abcde.js",
            "/messenger-widget-0123456789abcdef0.js",
            "/messenger-widget-0123456789abcdef.js.map",
            "/messenger-widget-0123456789abcdef_bg.js.br",
            "/locales/en.json",
            "/0123456789abcdef.js",
        ] {
            assert!(!is_hashed_name(name), "{name}");
        }
    }
}
