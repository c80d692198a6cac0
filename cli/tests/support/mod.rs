//! What the `serve` suites share: the command on a loopback port chosen at
//! run time, a test receiver for what it forwards, OTLP spans written as
//! the protocol defines them, and Debian's redis-server.
#![allow(dead_code)]

#[path = "../../../linker/tests/common/redis_server.rs"]
pub mod redis_server;

#[path = "../../../linker/tests/common/numbers.rs"]
pub mod numbers;

use axum::body::Bytes;
use axum::routing::post;
use prost::Message;
use span_autolink_linker::opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use span_autolink_linker::opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
use span_autolink_linker::opentelemetry_proto::tonic::trace::v1::{
    span::Link, ResourceSpans, ScopeSpans, Span,
};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

pub const BIN: &str = env!("CARGO_BIN_EXE_span-autolink");
pub const HASH: &str = "e721375466d4116ab551213fdea08413";
pub const T0: u64 = 1_767_225_600_000_000_000;

/// `span-autolink serve`, stopped when dropped; what it logs after its
/// first line is kept in `log`.
pub struct Server {
    pub child: Child,
    pub base: String,
    pub log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    pub fn start(args: &[&str]) -> Server {
        let mut child = Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        // Store warnings may come before the address.
        let log = Arc::new(Mutex::new(Vec::new()));
        let address = loop {
            line.clear();
            assert!(stderr.read_line(&mut line).unwrap() > 0, "serve exited");
            match line.trim().strip_prefix("span-autolink: listening on ") {
                Some(address) => break address.to_owned(),
                None => log.lock().unwrap().push(line.trim().to_owned()),
            }
        };
        let kept = log.clone();
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                kept.lock().unwrap().push(line);
            }
        });
        Server {
            child,
            base: format!("http://{address}"),
            log,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn logged(&self, text: &str) -> bool {
        self.log.lock().unwrap().iter().any(|l| l.contains(text))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn string(key: &str, value: &str) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue {
            value: Some(any_value::Value::StringValue(value.to_owned())),
        }),
    }
}

/// A zero-context pointer link, as the integrations write it.
pub fn pointer_link(kind: &str, dir: &str, hash: &str) -> Link {
    Link {
        trace_id: vec![0; 16],
        span_id: vec![0; 8],
        attributes: vec![
            string("link.kind", "span-pointer"),
            string("ptr.kind", kind),
            string("ptr.dir", dir),
            string("ptr.hash", hash),
        ],
        ..Default::default()
    }
}

/// An OTLP span, with an S3 pointer in direction `dir` if given.
pub fn otlp_span(byte: u8, dir: Option<&str>) -> Span {
    Span {
        trace_id: vec![byte; 16],
        span_id: vec![byte; 8],
        name: "op".to_owned(),
        start_time_unix_nano: T0,
        end_time_unix_nano: T0 + 1000,
        links: dir
            .map(|dir| pointer_link("aws.s3.object", dir, HASH))
            .into_iter()
            .collect(),
        ..Default::default()
    }
}

pub fn otlp_request(spans: Vec<Span>) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            scope_spans: vec![ScopeSpans {
                spans,
                ..Default::default()
            }],
            ..Default::default()
        }],
    }
}

pub fn otlp_body(spans: Vec<Span>) -> Vec<u8> {
    otlp_request(spans).encode_to_vec()
}

pub async fn send(
    client: &reqwest::Client,
    request: reqwest::RequestBuilder,
    content_type: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    let request = request
        .header("content-type", content_type)
        .body(body)
        .build()
        .unwrap();
    client.execute(request).await.unwrap()
}

pub async fn post_otlp(
    client: &reqwest::Client,
    server: &Server,
    body: Vec<u8>,
) -> reqwest::Response {
    let request = client.post(server.url("/v1/traces"));
    send(client, request, "application/x-protobuf", body).await
}

pub async fn get_text(client: &reqwest::Client, server: &Server, path: &str) -> (u16, String) {
    let response = client.get(server.url(path)).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

pub fn metric(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .unwrap_or_else(|| panic!("no {name} in {text}"))
        .parse()
        .unwrap()
}

/// A receiver that hands every OTLP protobuf body it gets to the test.
pub async fn receiver() -> (String, mpsc::UnboundedReceiver<ExportTraceServiceRequest>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/v1/traces",
        post(move |body: Bytes| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(ExportTraceServiceRequest::decode(body).unwrap());
                ""
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v1/traces", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, rx)
}

pub fn spans(request: &ExportTraceServiceRequest) -> Vec<&Span> {
    request
        .resource_spans
        .iter()
        .flat_map(|rs| &rs.scope_spans)
        .flat_map(|ss| &ss.spans)
        .collect()
}

pub async fn next(
    rx: &mut mpsc::UnboundedReceiver<ExportTraceServiceRequest>,
) -> ExportTraceServiceRequest {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .unwrap()
        .unwrap()
}

/// The `span_autolink.link` mark of a resolved link ("" on other links).
pub fn mark(link: &Link) -> &str {
    link.attributes
        .iter()
        .find(|kv| kv.key == "span_autolink.link")
        .and_then(|kv| match &kv.value.as_ref()?.value {
            Some(any_value::Value::StringValue(s)) => Some(s.as_str()),
            _ => None,
        })
        .unwrap_or("")
}
