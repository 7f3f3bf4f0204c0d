//! The soak's tablets: submissions made and sealed as the kiosk makes them, and delivered
//! as its outbox does, retried until acknowledged.

use base64::{engine::general_purpose::STANDARD, Engine};
use rand::Rng;
use serde_json::json;
use std::time::Duration;

use server::demo::bodies::random_body;

#[derive(Default)]
pub struct Delivered {
    /// Ids acknowledged, per station index.
    pub acked: Vec<Vec<String>>,
    pub stored: usize,
    pub duplicates: usize,
    pub retries: usize,
    pub refused: Vec<String>,
    /// Acknowledgements per server (index into the servers' list).
    pub acked_by: Vec<usize>,
    /// Submissions acknowledged by another server than the one a failed try went to,
    /// and of those, how many as duplicates (stored by the server the failed try reached).
    pub acked_elsewhere: usize,
    pub duplicates_elsewhere: usize,
}

impl Delivered {
    /// Adds another tablet's counts (not its ids).
    pub fn add(&mut self, other: &Delivered) {
        self.stored += other.stored;
        self.duplicates += other.duplicates;
        self.retries += other.retries;
        self.refused.extend(other.refused.iter().cloned());
        if self.acked_by.len() < other.acked_by.len() {
            self.acked_by.resize(other.acked_by.len(), 0);
        }
        for (mine, theirs) in self.acked_by.iter_mut().zip(&other.acked_by) {
            *mine += theirs;
        }
        self.acked_elsewhere += other.acked_elsewhere;
        self.duplicates_elsewhere += other.duplicates_elsewhere;
    }

    fn acked(&mut self, server: usize, failed_on: Option<usize>, duplicate: bool) {
        if self.acked_by.len() <= server {
            self.acked_by.resize(server + 1, 0);
        }
        self.acked_by[server] += 1;
        let elsewhere = failed_on.is_some_and(|f| f != server);
        self.acked_elsewhere += usize::from(elsewhere);
        self.duplicates_elsewhere += usize::from(elsewhere && duplicate);
    }
}

/// One submission as the kiosk makes it: its id, and the request body.
pub fn sealed_submission(rng: &mut impl Rng, key: &crypto_box::PublicKey) -> (String, Vec<u8>) {
    use domain::frame::{pad, SUBMISSION_FRAME};
    let body = random_body(rng);
    let id = body["id"].as_str().unwrap_or_default().to_string();
    let json = serde_json::to_vec(&body).expect("JSON");
    let framed = pad(&json, SUBMISSION_FRAME).expect("it fits");
    let sealed = key.seal(&mut crypto_box::aead::OsRng, &framed).expect("sealed");
    (id, serde_json::to_vec(&json!({ "sealed": STANDARD.encode(sealed) })).expect("JSON"))
}

/// Sends one submission until a server acknowledges it, as the kiosk's outbox does:
/// a refused connection, a 5xx or a 429 is retried after a pause. Each try goes to one of
/// `urls` (the servers' submission endpoints) at random, as a load balancer sends it, so a
/// retry may reach another server. False if refused for good.
pub async fn deliver(
    client: &reqwest::Client,
    urls: &[String],
    token: &str,
    id: &str,
    body: &[u8],
    out: &mut Delivered,
) -> bool {
    let mut backoff = Duration::from_millis(100);
    let mut failed_on = None;
    loop {
        let server = if urls.len() == 1 { 0 } else { rand::thread_rng().gen_range(0..urls.len()) };
        let sent = client
            .post(&urls[server])
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.to_vec())
            .send()
            .await;
        match sent {
            Ok(resp) if resp.status() == 201 => {
                out.stored += 1;
                out.acked(server, failed_on, false);
                return true;
            }
            Ok(resp) if resp.status() == 200 => {
                out.duplicates += 1;
                out.acked(server, failed_on, true);
                return true;
            }
            Ok(resp) if resp.status() == 429 || resp.status().is_server_error() => {}
            Ok(resp) => {
                // Refused for good: the kiosk would drop it. Never expected here.
                let status = resp.status();
                let text = resp.text().await.unwrap_or_default();
                out.refused.push(format!("{id}: {status}: {text}"));
                return false;
            }
            Err(_) => {}
        }
        failed_on = Some(server);
        out.retries += 1;
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(2));
    }
}
