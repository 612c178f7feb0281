//! A small blocking HTTP client: timeouts, retries with backoff, a body-size limit,
//! redirects followed here (each address checked against an optional
//! [`HostAllowList`]), and a streaming, conditional GET for large downloads.

use std::fs::File;
use std::io::{Seek as _, Write as _};
use std::time::Duration;

use ureq::tls::{RootCerts, TlsConfig};

use crate::hosts::HostAllowList;

/// The User-Agent sent with every request.
pub const USER_AGENT: &str = concat!(
    "tollgate/",
    env!("CARGO_PKG_VERSION"),
    " (+https://github.com/tollgate-dev/tollgate)"
);

/// Most redirects followed for one request.
const MAX_REDIRECTS: usize = 10;

/// Client settings.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Time limit for one whole request, body included.
    pub timeout: Duration,
    /// Time limit for connecting.
    pub connect_timeout: Duration,
    /// How many times a failed request is retried (server errors, 429, timeouts,
    /// connection failures; never other 4xx).
    pub retries: u32,
    /// The wait before the first retry; doubled for each further one.
    pub initial_backoff: Duration,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            timeout: Duration::from_secs(120),
            connect_timeout: Duration::from_secs(15),
            retries: 3,
            initial_backoff: Duration::from_millis(500),
        }
    }
}

/// A response body, or the registry's "no such thing".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// 200: the body.
    Body(Vec<u8>),
    /// 404 or 410.
    NotFound,
}

/// The validators of an earlier download, sent as `If-None-Match` / `If-Modified-Since`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    /// The `ETag` the server sent.
    pub etag: Option<String>,
    /// The `Last-Modified` the server sent.
    pub last_modified: Option<String>,
}

/// The outcome of [`HttpClient::get_to_file`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Streamed {
    /// 304: unchanged since the validators sent; the file was not touched.
    NotModified,
    /// 404 or 410.
    NotFound,
    /// 200: the body is in the file.
    Written {
        /// Its size.
        bytes: u64,
        /// The new validators, for the next request.
        validators: Validators,
    },
}

/// A request that failed for good (after retries).
#[derive(Debug, Clone, thiserror::Error)]
#[error("GET {url} failed{}: {message}", attempts_note(*.attempts))]
pub struct HttpError {
    /// The address.
    pub url: String,
    /// The final HTTP status, when the server answered.
    pub status: Option<u16>,
    /// What went wrong.
    pub message: String,
    /// How many attempts were made.
    pub attempts: u32,
    /// The `host:port` the client refused to contact (not on its [`HostAllowList`]),
    /// directly or through a redirect. No request was sent to it.
    pub refused_host: Option<String>,
}

fn attempts_note(attempts: u32) -> String {
    if attempts > 1 {
        format!(" after {attempts} attempts")
    } else {
        String::new()
    }
}

/// The blocking client shared by downloads and metadata lookups.
#[derive(Debug, Clone)]
pub struct HttpClient {
    agent: ureq::Agent,
    options: HttpOptions,
    allowed: Option<HostAllowList>,
}

/// One attempt's outcome.
enum Attempt<T> {
    Done(T),
    Retry {
        status: Option<u16>,
        message: String,
    },
    Fail {
        status: Option<u16>,
        message: String,
    },
    Refused {
        host: String,
        message: String,
    },
}

type Response = ureq::http::Response<ureq::Body>;

impl HttpClient {
    /// A client with the system's trusted certificates (so a corporate TLS proxy whose CA
    /// the machine trusts works) and the proxy from `HTTPS_PROXY`/`ALL_PROXY`.
    pub fn new(options: HttpOptions) -> Self {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(options.timeout))
            .timeout_connect(Some(options.connect_timeout))
            .user_agent(USER_AGENT)
            .http_status_as_error(false)
            // Redirects are followed in `call`, where each address is checked.
            .max_redirects(0)
            .tls_config(
                TlsConfig::builder()
                    .root_certs(RootCerts::PlatformVerifier)
                    .build(),
            )
            .build();
        HttpClient {
            agent: ureq::Agent::new_with_config(config),
            options,
            allowed: None,
        }
    }

    /// This client, refusing every host `allowed` does not list (and every redirect to
    /// one) before a request is sent.
    pub fn with_allowed_hosts(mut self, allowed: HostAllowList) -> Self {
        self.allowed = Some(allowed);
        self
    }

    /// The hosts this client is limited to, if it is.
    pub fn allowed_hosts(&self) -> Option<&HostAllowList> {
        self.allowed.as_ref()
    }

    /// GETs `url`, retrying transient failures; reads at most `max_bytes` of body.
    pub fn get(
        &self,
        url: &str,
        accept: Option<&str>,
        max_bytes: u64,
    ) -> Result<Fetched, HttpError> {
        let headers: Vec<(&str, &str)> = accept.map(|a| ("Accept", a)).into_iter().collect();
        self.retrying(url, || {
            let response = match self.call(url, &headers) {
                Ok(response) => response,
                Err(failed) => return failed,
            };
            read_body(response, max_bytes)
        })
    }

    /// GETs `url` into `file` (truncated first, and again before each retry), sending
    /// `validators` as `If-None-Match` / `If-Modified-Since`; reads at most `max_bytes`.
    /// The body is streamed, never held in memory.
    pub fn get_to_file(
        &self,
        url: &str,
        validators: &Validators,
        max_bytes: u64,
        file: &mut File,
    ) -> Result<Streamed, HttpError> {
        let mut headers = Vec::new();
        if let Some(etag) = &validators.etag {
            headers.push(("If-None-Match", etag.as_str()));
        }
        if let Some(last_modified) = &validators.last_modified {
            headers.push(("If-Modified-Since", last_modified.as_str()));
        }
        let conditional = !headers.is_empty();
        self.retrying(url, || {
            let response = match self.call(url, &headers) {
                Ok(response) => response,
                Err(failed) => return failed,
            };
            match response.status().as_u16() {
                304 if conditional => Attempt::Done(Streamed::NotModified),
                404 | 410 => Attempt::Done(Streamed::NotFound),
                200 => stream_body(response, max_bytes, file),
                status => status_failure(status),
            }
        })
    }

    /// Runs `attempt` until it is done, fails for good, or the retries are used up.
    fn retrying<T>(
        &self,
        url: &str,
        mut attempt: impl FnMut() -> Attempt<T>,
    ) -> Result<T, HttpError> {
        let mut backoff = self.options.initial_backoff;
        let mut attempts = 0;
        loop {
            attempts += 1;
            let error = |status, message, refused_host| HttpError {
                url: url.to_owned(),
                status,
                message,
                attempts,
                refused_host,
            };
            let (status, message) = match attempt() {
                Attempt::Done(done) => return Ok(done),
                Attempt::Fail { status, message } => return Err(error(status, message, None)),
                Attempt::Refused { host, message } => {
                    return Err(error(None, message, Some(host)));
                }
                Attempt::Retry { status, message } => (status, message),
            };
            if attempts > self.options.retries {
                return Err(error(status, message, None));
            }
            std::thread::sleep(backoff);
            backoff = backoff.saturating_mul(2);
        }
    }

    /// Sends the request, following redirects (at most [`MAX_REDIRECTS`]); every address,
    /// the first included, must pass the host allow-list, and a redirect from `https` to
    /// `http` is refused. Headers are sent to every address (no credentials are ever set).
    fn call<T>(&self, url: &str, headers: &[(&str, &str)]) -> Result<Response, Attempt<T>> {
        let mut current = url.to_owned();
        for _ in 0..=MAX_REDIRECTS {
            self.check_host(url, &current)?;
            let mut request = self.agent.get(&current);
            for (name, value) in headers {
                request = request.header(*name, *value);
            }
            let response = request.call().map_err(|err| transport_failure(&err))?;
            let status = response.status().as_u16();
            if !matches!(status, 301 | 302 | 303 | 307 | 308) {
                return Ok(response);
            }
            let location = response
                .headers()
                .get("location")
                .and_then(|value| value.to_str().ok())
                .ok_or_else(|| Attempt::Fail {
                    status: Some(status),
                    message: format!("HTTP {status} redirect without a Location"),
                })?;
            let next = resolve_location(&current, location);
            if is_scheme(&current, "https") && !is_scheme(&next, "https") {
                return Err(Attempt::Fail {
                    status: Some(status),
                    message: format!("refusing the redirect from https to {next}"),
                });
            }
            current = next;
        }
        Err(Attempt::Fail {
            status: None,
            message: format!("more than {MAX_REDIRECTS} redirects"),
        })
    }

    fn check_host<T>(&self, first: &str, url: &str) -> Result<(), Attempt<T>> {
        let Some(host) = self.allowed.as_ref().and_then(|list| list.refusal(url)) else {
            return Ok(());
        };
        let message = if url == first {
            format!("{host} is not a configured registry host")
        } else {
            format!("redirected to {url}: {host} is not a configured registry host")
        };
        Err(Attempt::Refused { host, message })
    }
}

fn is_scheme(url: &str, scheme: &str) -> bool {
    url.get(..scheme.len() + 3)
        .is_some_and(|head| head.eq_ignore_ascii_case(&format!("{scheme}://")))
}

/// A redirect target against the address that answered: absolute, scheme-relative
/// (`//host/path`), absolute path, or relative to the current path's directory.
fn resolve_location(current: &str, location: &str) -> String {
    if location.contains("://") {
        return location.to_owned();
    }
    let scheme_end = current.find("://").map_or(0, |i| i + 3);
    if let Some(rest) = location.strip_prefix("//") {
        return format!("{}{rest}", &current[..scheme_end]);
    }
    let origin_end = current[scheme_end..]
        .find('/')
        .map_or(current.len(), |i| scheme_end + i);
    let origin = &current[..origin_end];
    if location.starts_with('/') {
        return format!("{origin}{location}");
    }
    let path = current[origin_end..].split(['?', '#']).next().unwrap_or("");
    let dir = path.rsplit_once('/').map_or("", |(dir, _)| dir);
    format!("{origin}{dir}/{location}")
}

/// A 200's body in memory (at most `max_bytes`); 404/410 as not found.
fn read_body(mut response: Response, max_bytes: u64) -> Attempt<Fetched> {
    let status = response.status().as_u16();
    match status {
        200 => match response
            .body_mut()
            .with_config()
            .limit(max_bytes)
            .read_to_vec()
        {
            Ok(body) => Attempt::Done(Fetched::Body(body)),
            Err(ureq::Error::BodyExceedsLimit(limit)) => Attempt::Fail {
                status: Some(status),
                message: format!("response body is larger than the limit of {limit} bytes"),
            },
            Err(err) => transport_failure(&err),
        },
        404 | 410 => Attempt::Done(Fetched::NotFound),
        status => status_failure(status),
    }
}

/// A 200's body streamed into `file` (truncated first), with the response's validators.
fn stream_body(mut response: Response, max_bytes: u64, file: &mut File) -> Attempt<Streamed> {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    let validators = Validators {
        etag: header("etag"),
        last_modified: header("last-modified"),
    };
    let local = |message: String| Attempt::Fail {
        status: None,
        message,
    };
    if let Err(err) = file.set_len(0).and_then(|()| file.rewind()) {
        return local(format!("truncating the download file: {err}"));
    }
    let mut body = response.body_mut().with_config().limit(max_bytes).reader();
    let mut writer = std::io::BufWriter::new(&mut *file);
    let copied = std::io::copy(&mut body, &mut writer);
    let flushed = writer.flush();
    match (copied, flushed) {
        (Ok(bytes), Ok(())) => Attempt::Done(Streamed::Written { bytes, validators }),
        (Err(err), _) => match err.get_ref().and_then(|e| e.downcast_ref::<ureq::Error>()) {
            Some(ureq::Error::BodyExceedsLimit(limit)) => Attempt::Fail {
                status: Some(200),
                message: format!("response body is larger than the limit of {limit} bytes"),
            },
            _ => Attempt::Retry {
                status: Some(200),
                message: format!("reading the body: {err}"),
            },
        },
        (Ok(_), Err(err)) => local(format!("writing the download file: {err}")),
    }
}

/// Server errors and 429 are worth retrying; other statuses are not.
fn status_failure<T>(status: u16) -> Attempt<T> {
    let message = format!("server answered HTTP {status}");
    match status {
        429 | 500..=599 => Attempt::Retry {
            status: Some(status),
            message,
        },
        _ => Attempt::Fail {
            status: Some(status),
            message,
        },
    }
}

/// Timeouts and connection problems are worth retrying; TLS and URL errors are not.
fn transport_failure<T>(err: &ureq::Error) -> Attempt<T> {
    let message = err.to_string();
    match err {
        ureq::Error::Timeout(_)
        | ureq::Error::Io(_)
        | ureq::Error::ConnectionFailed
        | ureq::Error::HostNotFound
        | ureq::Error::Protocol(_)
        | ureq::Error::BodyStalled => Attempt::Retry {
            status: None,
            message,
        },
        _ => Attempt::Fail {
            status: None,
            message,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_locations_resolve() {
        let current = "https://a.example/dl/x/1.0/download?q=1";
        assert_eq!(
            resolve_location(current, "https://b.example/x.crate"),
            "https://b.example/x.crate"
        );
        assert_eq!(
            resolve_location(current, "//c.example/x.crate"),
            "https://c.example/x.crate"
        );
        assert_eq!(
            resolve_location(current, "/files/x.crate"),
            "https://a.example/files/x.crate"
        );
        assert_eq!(
            resolve_location(current, "other"),
            "https://a.example/dl/x/1.0/other"
        );
        assert_eq!(resolve_location("http://h:1", "y"), "http://h:1/y");
    }
}
