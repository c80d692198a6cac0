//! Sending spans on to the next stage as OTLP/HTTP protobuf.

use prost::Message;
use span_autolink_linker::opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use tokio::sync::mpsc;

/// How many requests may wait for the next stage before receiving slows
/// down to its pace.
pub const QUEUE: usize = 1024;

/// Posts every request from `queue` to `url` until the queue closes.
pub async fn run(url: String, mut queue: mpsc::Receiver<ExportTraceServiceRequest>) {
    let client = reqwest::Client::new();
    while let Some(request) = queue.recv().await {
        let sent = client
            .post(&url)
            .header("content-type", "application/x-protobuf")
            .body(request.encode_to_vec())
            .send()
            .await;
        match sent {
            Ok(r) if r.status().is_success() => {}
            Ok(r) => eprintln!(
                "span-autolink: forward_rejected: {url} answered {}; check that it is an OTLP/HTTP traces endpoint",
                r.status()
            ),
            Err(e) => eprintln!(
                "span-autolink: forward_failed: could not send to {url} ({e}); check that the next stage is running"
            ),
        }
    }
}
