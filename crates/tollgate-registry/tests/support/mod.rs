//! A tiny HTTP/1.1 server on 127.0.0.1 for tests: fixed routes, scripted failures,
//! request counting. No network beyond the loopback interface.

#![allow(dead_code)] // each test binary uses a different part of it

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

/// What a route answers.
#[derive(Clone)]
pub struct Route {
    /// Status and body of a normal answer.
    pub status: u16,
    pub body: Vec<u8>,
    /// Answer 503 this many times first.
    pub fail_first: usize,
    /// Extra response headers.
    pub headers: Vec<(String, String)>,
}

impl Route {
    pub fn ok(body: impl Into<Vec<u8>>) -> Self {
        Route {
            status: 200,
            body: body.into(),
            fail_first: 0,
            headers: Vec::new(),
        }
    }

    /// A 302 to `location`.
    pub fn redirect(location: &str) -> Self {
        Route::status(302).with_header("Location", location)
    }

    /// This route with one more response header.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn status(status: u16) -> Self {
        Route {
            status,
            body: Vec::new(),
            fail_first: 0,
            headers: Vec::new(),
        }
    }

    pub fn flaky(body: impl Into<Vec<u8>>, fail_first: usize) -> Self {
        Route {
            fail_first,
            ..Route::ok(body)
        }
    }
}

#[derive(Default)]
struct State {
    routes: HashMap<String, Route>,
    hits: HashMap<String, usize>,
    user_agents: Vec<String>,
    /// Every request's path and header lines, in arrival order.
    requests: Vec<(String, Vec<String>)>,
}

/// A running server; it lives until the test process ends.
#[derive(Clone)]
pub struct Server {
    pub base: String,
    state: Arc<Mutex<State>>,
}

impl Server {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}/", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State::default()));
        let shared = Arc::clone(&state);
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let state = Arc::clone(&shared);
                thread::spawn(move || handle(stream, &state));
            }
        });
        Server { base, state }
    }

    /// Serves `route` at `path` (which starts with `/`).
    pub fn route(&self, path: &str, route: Route) {
        self.state
            .lock()
            .unwrap()
            .routes
            .insert(path.to_owned(), route);
    }

    /// How many requests `path` received.
    pub fn hits(&self, path: &str) -> usize {
        *self.state.lock().unwrap().hits.get(path).unwrap_or(&0)
    }

    /// The header lines (`Name: value`) of every request to `path`, in arrival order.
    pub fn request_headers(&self, path: &str) -> Vec<Vec<String>> {
        let state = self.state.lock().unwrap();
        state
            .requests
            .iter()
            .filter(|(p, _)| p == path)
            .map(|(_, headers)| headers.clone())
            .collect()
    }

    pub fn user_agents(&self) -> Vec<String> {
        self.state.lock().unwrap().user_agents.clone()
    }

    /// `base` + `path` without its leading `/`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path.trim_start_matches('/'))
    }
}

fn handle(stream: TcpStream, state: &Mutex<State>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .to_owned();
    let mut user_agent = String::new();
    let mut header_lines = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        header_lines.push(line.trim_end().to_owned());
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("user-agent") {
                user_agent = value.trim().to_owned();
            }
        }
    }
    let (status, body, headers) = {
        let mut state = state.lock().unwrap();
        state.user_agents.push(user_agent);
        state.requests.push((path.clone(), header_lines));
        let hits = {
            let counter = state.hits.entry(path.clone()).or_insert(0);
            *counter += 1;
            *counter
        };
        match state.routes.get(&path) {
            Some(route) if hits <= route.fail_first => (503, b"busy".to_vec(), Vec::new()),
            Some(route) => (route.status, route.body.clone(), route.headers.clone()),
            None => (404, b"not found".to_vec(), Vec::new()),
        }
    };
    let mut stream = stream;
    let extra: String = headers
        .iter()
        .map(|(name, value)| format!("{name}: {value}\r\n"))
        .collect();
    let head = format!(
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nContent-Type: application/octet-stream\r\n{extra}Connection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
}
