//! A small blocking HTTP client: timeouts, retries with backoff, a body-size limit.

use std::time::Duration;

use ureq::tls::{RootCerts, TlsConfig};

/// The User-Agent sent with every request.
pub const USER_AGENT: &str = concat!(
    "tollgate/",
    env!("CARGO_PKG_VERSION"),
    " (+https://github.com/tollgate-dev/tollgate)"
);

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
}

/// One attempt's outcome.
enum Attempt {
    Done(Fetched),
    Retry {
        status: Option<u16>,
        message: String,
    },
    Fail {
        status: Option<u16>,
        message: String,
    },
}

impl HttpClient {
    /// A client with the system's trusted certificates (so a corporate TLS proxy whose CA
    /// the machine trusts works) and the proxy from `HTTPS_PROXY`/`ALL_PROXY`.
    pub fn new(options: HttpOptions) -> Self {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(options.timeout))
            .timeout_connect(Some(options.connect_timeout))
            .user_agent(USER_AGENT)
            .http_status_as_error(false)
            .tls_config(
                TlsConfig::builder()
                    .root_certs(RootCerts::PlatformVerifier)
                    .build(),
            )
            .build();
        HttpClient {
            agent: ureq::Agent::new_with_config(config),
            options,
        }
    }

    /// GETs `url`, retrying transient failures; reads at most `max_bytes` of body.
    pub fn get(
        &self,
        url: &str,
        accept: Option<&str>,
        max_bytes: u64,
    ) -> Result<Fetched, HttpError> {
        let mut backoff = self.options.initial_backoff;
        let mut attempts = 0;
        loop {
            attempts += 1;
            let (status, message) = match self.attempt(url, accept, max_bytes) {
                Attempt::Done(fetched) => return Ok(fetched),
                Attempt::Fail { status, message } => {
                    return Err(HttpError {
                        url: url.to_owned(),
                        status,
                        message,
                        attempts,
                    });
                }
                Attempt::Retry { status, message } => (status, message),
            };
            if attempts > self.options.retries {
                return Err(HttpError {
                    url: url.to_owned(),
                    status,
                    message,
                    attempts,
                });
            }
            std::thread::sleep(backoff);
            backoff = backoff.saturating_mul(2);
        }
    }

    fn attempt(&self, url: &str, accept: Option<&str>, max_bytes: u64) -> Attempt {
        let mut request = self.agent.get(url);
        if let Some(accept) = accept {
            request = request.header("Accept", accept);
        }
        let mut response = match request.call() {
            Ok(response) => response,
            Err(err) => return transport_failure(&err),
        };
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
            429 | 500..=599 => Attempt::Retry {
                status: Some(status),
                message: format!("server answered HTTP {status}"),
            },
            _ => Attempt::Fail {
                status: Some(status),
                message: format!("server answered HTTP {status}"),
            },
        }
    }
}

/// Timeouts and connection problems are worth retrying; TLS and URL errors are not.
fn transport_failure(err: &ureq::Error) -> Attempt {
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
