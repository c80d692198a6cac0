//! The page of `span-autolink link --html`, loaded from a file in real
//! headless Chromium (Debian's `chromium`) and driven through the DevTools
//! protocol: the banner and the Span Links rows of each linked trace, each
//! row's jump to the linked span in the other trace's section, the
//! unmatched pointer with its reason, no request beyond the file, and a
//! screenshot under target/.

use base64::Engine as _;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tungstenite::{Message, WebSocket};

const BIN: &str = env!("CARGO_BIN_EXE_span-autolink");

fn dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("page");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn attribute(key: &str, value: &str) -> Value {
    json!({"key": key, "value": {"stringValue": value}})
}

fn pointer_link(kind: &str, direction: &str, hash: &str) -> Value {
    json!({"traceId": "00000000000000000000000000000000", "spanId": "0000000000000000", "attributes": [
        attribute("link.kind", "span-pointer"), attribute("ptr.kind", kind),
        attribute("ptr.dir", direction), attribute("ptr.hash", hash)]})
}

/// One OTLP JSON resource with one span.
fn span(service: &str, name: &str, trace: &str, span: &str, start: u64, link: Value) -> Value {
    json!({"resource": {"attributes": [attribute("service.name", service)]},
           "scopeSpans": [{"spans": [{"traceId": trace, "spanId": span, "name": name, "kind": 1,
              "startTimeUnixNano": start.to_string(), "endTimeUnixNano": (start + 1000).to_string(),
              "links": [link]}]}]})
}

const T0: u64 = 1_767_225_600_000_000_000;
const S3_HASH: &str = "e721375466d4116ab551213fdea08413";
const DDB_HASH: &str = "7f1aee721472bcb48701d45c7c7f7821";
const LOST_HASH: &str = "00000000000000000000000000000abc";
// Two hops and a consumer whose producer never reported: traces a, b
// (S3), c, d (DynamoDB), e (unmatched).
const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const C: &str = "cccccccccccccccccccccccccccccccc";
const D: &str = "dddddddddddddddddddddddddddddddd";
const E: &str = "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee";

fn write_traces(path: &Path) {
    let spans = [
        span(
            "uploader",
            "S3.PutObject",
            A,
            "a000000000000001",
            T0,
            pointer_link("aws.s3.object", "d", S3_HASH),
        ),
        span(
            "thumbnailer <lambda>",
            "aws.lambda",
            B,
            "b000000000000001",
            T0 + 5_000,
            pointer_link("aws.s3.object", "u", S3_HASH),
        ),
        span(
            "orders-api",
            "DynamoDB.PutItem",
            C,
            "c000000000000001",
            T0,
            pointer_link("aws.dynamodb.item", "d", DDB_HASH),
        ),
        span(
            "orders-stream",
            "aws.lambda",
            D,
            "d000000000000001",
            T0 + 9_000,
            pointer_link("aws.dynamodb.item", "u", DDB_HASH),
        ),
        span(
            "late-consumer",
            "aws.lambda",
            E,
            "e000000000000001",
            T0,
            pointer_link("aws.s3.object", "u", LOST_HASH),
        ),
    ];
    std::fs::write(path, json!({"resourceSpans": spans}).to_string()).unwrap();
}

/// Headless Chromium with the DevTools protocol on a free port.
struct Browser {
    child: Child,
    url: String,
}

impl Browser {
    fn launch() -> Browser {
        let profile = dir().join(format!("profile-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&profile);
        std::fs::create_dir_all(&profile).unwrap();
        let mut child = Command::new("chromium")
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                "--window-size=1280,900",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("chromium (Debian's chromium package; .ci/run installs it) must be on PATH");
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(at) = line.find("ws://127.0.0.1:") {
                    let _ = tx.send(line[at..].trim().to_string());
                }
            }
        });
        let url = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("chromium did not announce its DevTools address");
        Browser { child, url }
    }

    /// A new page, attached to over the browser's socket.
    fn page(&self) -> Page {
        let (socket, _) = tungstenite::connect(self.url.as_str()).unwrap();
        let mut page = Page {
            socket,
            session: None,
            next: 0,
            events: Vec::new(),
        };
        let target = page.send("Target.createTarget", json!({"url": "about:blank"}));
        let attached = page.send(
            "Target.attachToTarget",
            json!({"targetId": target["targetId"], "flatten": true}),
        );
        page.session = Some(attached["sessionId"].as_str().unwrap().to_string());
        page
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Page {
    socket: WebSocket<tungstenite::stream::MaybeTlsStream<TcpStream>>,
    session: Option<String>,
    next: u64,
    events: Vec<Value>,
}

impl Page {
    fn send(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = self.next;
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(session) = &self.session {
            message["sessionId"] = json!(session);
        }
        self.socket
            .send(Message::text(message.to_string()))
            .unwrap();
        loop {
            let message = self.receive();
            if message["id"] == id {
                assert!(message.get("error").is_none(), "{method}: {message}");
                return message["result"].clone();
            }
            self.events.push(message);
        }
    }

    fn receive(&mut self) -> Value {
        let text = self.socket.read().unwrap().into_text().unwrap();
        serde_json::from_str(&text).unwrap()
    }

    fn wait_for(&mut self, event: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !self.events.iter().any(|e| e["method"] == event) {
            assert!(Instant::now() < deadline, "no {event}");
            let message = self.receive();
            self.events.push(message);
        }
    }

    fn evaluate(&mut self, expression: &str) -> Value {
        let result = self.send(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true}),
        );
        assert!(result.get("exceptionDetails").is_none(), "{result}");
        result["result"]["value"].clone()
    }
}

#[test]
fn the_page_in_chromium() {
    let dir = dir();
    let traces = dir.join("traces.json");
    let html = dir.join("links.html");
    write_traces(&traces);
    let output = Command::new(BIN)
        .args(["link", "-o"])
        .arg(dir.join("linked.json"))
        .arg("--html")
        .arg(&html)
        .arg(&traces)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let browser = Browser::launch();
    let mut page = browser.page();
    page.send("Page.enable", json!({}));
    page.send("Network.enable", json!({}));
    let url = format!("file://{}", html.canonicalize().unwrap().display());
    page.send("Page.navigate", json!({"url": url}));
    page.wait_for("Page.loadEventFired");

    // Nothing but the file itself was requested.
    let requested: Vec<String> = page
        .events
        .iter()
        .filter(|e| e["method"] == "Network.requestWillBeSent")
        .map(|e| {
            e["params"]["request"]["url"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert_eq!(requested, std::slice::from_ref(&url));

    let sections = page.evaluate(
        r#"[...document.querySelectorAll('section.trace')].map(s => ({
            trace: s.dataset.trace,
            banner: s.querySelector('.banner') ? s.querySelector('.banner').innerText : null,
            caption: s.querySelector('caption').innerText,
            rows: [...s.querySelectorAll('tbody tr')].map(r => ({
                id: r.id,
                cells: [...r.cells].map(c => c.innerText),
                jump: r.querySelector('a.jump').getAttribute('href'),
            })),
        }))"#,
    );
    let sections = sections.as_array().unwrap();
    // The traces with links, and only those; each with the banner and its table.
    let traces: Vec<&str> = sections
        .iter()
        .map(|s| s["trace"].as_str().unwrap())
        .collect();
    assert_eq!(traces, [A, B, C, D]);
    for s in sections {
        assert_eq!(s["banner"], "This trace is linked to other traces");
        assert_eq!(s["caption"], "Span Links");
        assert_eq!(s["rows"].as_array().unwrap().len(), 1, "{s}");
    }
    // span, service, Backward/Forward, linked trace, linked span, kind
    let row = |i: usize| sections[i]["rows"][0]["cells"].clone();
    let expect = [
        (
            "S3.PutObject",
            "uploader",
            "Backward",
            B,
            "aws.lambda",
            "aws.s3.object",
        ),
        (
            "aws.lambda",
            "thumbnailer <lambda>",
            "Forward",
            A,
            "S3.PutObject",
            "aws.s3.object",
        ),
        (
            "DynamoDB.PutItem",
            "orders-api",
            "Backward",
            D,
            "aws.lambda",
            "aws.dynamodb.item",
        ),
        (
            "aws.lambda",
            "orders-stream",
            "Forward",
            C,
            "DynamoDB.PutItem",
            "aws.dynamodb.item",
        ),
    ];
    for (i, (name, service, direction, linked, linked_name, kind)) in expect.iter().enumerate() {
        let cells = row(i);
        assert!(cells[0].as_str().unwrap().starts_with(name), "{cells}");
        assert_eq!(cells[1], *service);
        assert_eq!(cells[2], *direction);
        assert_eq!(cells[3], *linked);
        assert!(
            cells[4].as_str().unwrap().starts_with(linked_name),
            "{cells}"
        );
        assert_eq!(cells[5], *kind);
    }

    // Each row's jump lands on the linked span's row, in the other trace's
    // section, scrolled into view.
    for s in sections {
        let row = &s["rows"][0];
        let landed = page.evaluate(&format!(
            r#"(() => {{
                window.scrollTo(0, document.body.scrollHeight);
                document.querySelector('#{id} a.jump').click();
                const target = document.querySelector(location.hash);
                const box = target.getBoundingClientRect();
                return {{
                    hash: location.hash,
                    section: target.closest('section').dataset.trace,
                    direction: target.dataset.direction,
                    visible: box.top >= 0 && box.bottom <= window.innerHeight,
                }};
            }})()"#,
            id = row["id"].as_str().unwrap()
        ));
        let cells = row["cells"].as_array().unwrap();
        assert_eq!(landed["hash"], row["jump"], "{landed}");
        assert_eq!(landed["section"], cells[3], "{landed}");
        let back = if cells[2] == "Backward" {
            "Forward"
        } else {
            "Backward"
        };
        assert_eq!(landed["direction"], back, "{landed}");
        assert_eq!(landed["visible"], true, "{landed}");
    }

    // The consumer whose producer never reported, with the reason.
    let unmatched = page.evaluate(
        r#"[...document.querySelectorAll('table.unmatched tbody tr')].map(r => [...r.cells].map(c => c.innerText))"#,
    );
    let unmatched = unmatched.as_array().unwrap();
    assert_eq!(unmatched.len(), 1, "{unmatched:?}");
    assert!(unmatched[0][0].as_str().unwrap().starts_with("aws.lambda"));
    assert_eq!(unmatched[0][1], "late-consumer");
    assert_eq!(unmatched[0][2], E);
    assert!(unmatched[0][3].as_str().unwrap().contains(LOST_HASH));
    assert!(!unmatched[0][5].as_str().unwrap().is_empty());

    page.evaluate("window.scrollTo(0, 0)");
    let shot = page.send(
        "Page.captureScreenshot",
        json!({"format": "png", "captureBeyondViewport": true}),
    );
    let png = base64::engine::general_purpose::STANDARD
        .decode(shot["data"].as_str().unwrap())
        .unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let screenshot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("span-autolink-links.png");
    std::fs::write(&screenshot, png).unwrap();
    eprintln!("screenshot: {}", screenshot.display());
}
