//! Helpers shared by the integration tests: fixture paths, zips built from fixtures, and a
//! tiny HTTP server on 127.0.0.1.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A zip laid out like an OSV `all.zip` export, holding every `.json` file of `dir`.
pub fn export_zip(dir: &Path) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
    {
        let name = path.file_name().unwrap().to_str().unwrap();
        zip.start_file(name, options).unwrap();
        zip.write_all(&std::fs::read(path).unwrap()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// Serves `files` (path → body) with an ETag per body; answers 304 to a matching
/// `If-None-Match`. Records every request line and its status.
pub struct Server {
    pub base: String,
    pub log: Arc<Mutex<Vec<String>>>,
}

pub fn serve(files: Vec<(String, Vec<u8>)>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    let log = Arc::new(Mutex::new(Vec::new()));
    let thread_log = Arc::clone(&log);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            let mut if_none_match = None;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some((name, value)) = line.split_once(':') {
                    if name.eq_ignore_ascii_case("if-none-match") {
                        if_none_match = Some(value.trim().to_owned());
                    }
                }
            }
            let path = request_line.split(' ').nth(1).unwrap_or("/").to_owned();
            let file = files.iter().find(|(p, _)| format!("/{p}") == path);
            let (status, body, etag) = match file {
                Some((_, body)) => {
                    let etag = format!(
                        "\"{}-{}\"",
                        body.len(),
                        body.iter().map(|b| u64::from(*b)).sum::<u64>()
                    );
                    if if_none_match.as_deref() == Some(etag.as_str()) {
                        ("304 Not Modified", Vec::new(), etag)
                    } else {
                        ("200 OK", body.clone(), etag)
                    }
                }
                None => ("404 Not Found", b"not found".to_vec(), String::new()),
            };
            thread_log.lock().unwrap().push(format!("{path} {status}"));
            let mut head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            if !etag.is_empty() {
                head.push_str(&format!("ETag: {etag}\r\n"));
            }
            head.push_str("\r\n");
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    Server { base, log }
}
