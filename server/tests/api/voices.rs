//! Recorded voices over HTTP: an administrator uploads a recording (a real Opus file, as
//! opusenc and Chromium's MediaRecorder write them), listens, approves; the kiosk's list
//! and the service worker then carry it, served by its hash; hostile files are refused
//! with a reason and change nothing; a text changed in a new survey version takes its
//! recording off the kiosk until it is approved again; only administrators may do any of
//! it.

use crate::helpers::{spawn_app, TestApp};
use serde_json::Value;
use sha2::Digest;

const TONE_OPUS: &[u8] = include_bytes!("../fixtures/voices/tone.opus");
const BEEP_WEBM: &[u8] = include_bytes!("../fixtures/voices/beep.webm");
const TONE_WAV: &[u8] = include_bytes!("../fixtures/voices/tone.wav");

/// A `multipart/form-data` body of `fields` and one file: (content type, body).
fn multipart(fields: &[(&str, &str)], file: Option<&[u8]>) -> (String, Vec<u8>) {
    let boundary = "digna-test-boundary-7f3a";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    if let Some(bytes) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"voz.opus\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Uploads `file` as the recording of `key` in `lang`, with the session's form token.
async fn upload(app: &TestApp, client: &reqwest::Client, lang: &str, key: &str, file: &[u8]) -> reqwest::Response {
    let csrf = app.csrf_of(client, &format!("/admin/voices/{lang}")).await;
    let (content_type, body) = multipart(&[("csrf", &csrf), ("key", key)], Some(file));
    client
        .post(app.url(&format!("/admin/voices/{lang}/record?lang=en")))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn form(app: &TestApp, client: &reqwest::Client, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let csrf = app.csrf_of(client, "/admin/voices").await;
    let mut fields = fields.to_vec();
    fields.push(("csrf", &csrf));
    client.post(app.url(path)).form(&fields).send().await.unwrap()
}

/// The recording of `key` in `lang` as the database holds it: (sha256, approved).
async fn stored(app: &TestApp, lang: &str, key: &str) -> Option<(String, bool)> {
    let rows = app
        .text_rows(&format!(
            "SELECT sha256, CASE WHEN approved_at IS NULL THEN 'no' ELSE 'yes' END FROM voice_recordings
             WHERE language = '{lang}' AND text_key = '{key}'"
        ))
        .await;
    rows.first().map(|r| (r[0].clone(), r[1] == "yes"))
}

/// `/sw.js` as the app's server renders it.
async fn service_worker(app: &TestApp) -> String {
    let resp = app.service_worker().await;
    assert_eq!(resp.status(), 200);
    String::from_utf8(axum::body::to_bytes(resp.into_body(), 1 << 20).await.unwrap().to_vec()).unwrap()
}

async fn index(app: &TestApp) -> Value {
    reqwest::get(app.url("/audio/index.json")).await.unwrap().json().await.unwrap()
}

/// Uploads the Ogg fixture as `welcome` in `lang` and approves it; its hash.
pub async fn approved_welcome(app: &TestApp, lang: &str) -> String {
    let admin = app.admin_client("voces@digna.test").await;
    assert_eq!(upload(app, &admin, lang, "welcome", TONE_OPUS).await.status(), 303);
    let (sha, _) = stored(app, lang, "welcome").await.expect("stored");
    let path = format!("/admin/voices/{lang}/approve");
    assert_eq!(form(app, &admin, &path, &[("key", "welcome"), ("sha256", &sha)]).await.status(), 303);
    sha
}

#[tokio::test]
async fn a_recording_is_uploaded_heard_approved_and_then_served_to_the_kiosk_by_its_hash() {
    let app = spawn_app().await;
    let admin = app.admin_client("admin@digna.test").await;
    let page = admin.get(app.url("/admin/voices/qu?lang=en")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("id=\"v-q-respect\"") && page.contains("data-status=\"missing\""), "every prompt listed");
    let sw_before = service_worker(&app).await;

    // Chromium's WebM, as the page's recorder sends it.
    let r = upload(&app, &admin, "qu", "q:respect", BEEP_WEBM).await;
    assert_eq!(r.status(), 303);
    assert!(r.headers()["location"].to_str().unwrap().ends_with("#v-q-respect"));
    let (sha, approved) = stored(&app, "qu", "q:respect").await.expect("kept");
    assert!(!approved);
    assert!(index(&app).await["recordings"]["qu"].get("q:respect").is_none(), "not before it is approved");
    assert_eq!(reqwest::get(app.url(&format!("/voices/{sha}.ogg"))).await.unwrap().status(), 404, "not served yet");
    // The administrator listens to it: Ogg Opus, its recorder's name gone.
    let heard = admin.get(app.url(&format!("/admin/voices/audio/{sha}.ogg"))).send().await.unwrap();
    assert_eq!(heard.headers()["content-type"], "audio/ogg");
    let bytes = heard.bytes().await.unwrap();
    assert!(bytes.starts_with(b"OggS") && !bytes.windows(6).any(|w| w == b"Chrome"));

    // Approved for a sound she did not hear: refused.
    let other = "0".repeat(64);
    let r = form(&app, &admin, "/admin/voices/qu/approve?lang=en", &[("key", "q:respect"), ("sha256", &other)]).await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("changed while you listened"));
    let r = form(&app, &admin, "/admin/voices/qu/approve", &[("key", "q:respect"), ("sha256", &sha)]).await;
    assert_eq!(r.status(), 303);

    let listed = index(&app).await;
    let url = format!("/voices/{sha}.ogg");
    assert_eq!(listed["recordings"]["qu"]["q:respect"], url.as_str());
    let served = reqwest::get(app.url(&url)).await.unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(served.headers()["etag"], format!("\"{sha}\"").as_str());
    assert_eq!(served.bytes().await.unwrap(), bytes, "the sound she approved");
    let sw = service_worker(&app).await;
    assert!(sw.contains(&url), "precached by the service worker");
    assert_ne!(sw.lines().next(), sw_before.lines().next(), "a new build id");
    let page = admin.get(app.url("/admin/voices/qu?lang=en")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("data-key=\"q:respect\" data-status=\"approved\""), "shown approved");

    // Recorded again: off the kiosk until approved again.
    assert_eq!(upload(&app, &admin, "qu", "q:respect", TONE_OPUS).await.status(), 303);
    assert!(index(&app).await["recordings"]["qu"].get("q:respect").is_none());
    let audit = app.text_rows("SELECT action, target FROM admin_audit WHERE action LIKE 'voice.%' ORDER BY id").await;
    let expected =
        [["voice.record", "qu q:respect"], ["voice.approve", "qu q:respect"], ["voice.record", "qu q:respect"]];
    assert_eq!(audit, expected.map(|r| r.map(String::from).to_vec()));
}

#[tokio::test]
async fn a_file_that_is_not_a_short_opus_or_wav_recording_is_refused_with_its_reason_and_nothing_changes() {
    let app = spawn_app().await;
    let admin = app.admin_client("admin@digna.test").await;
    let mut huge = TONE_OPUS.to_vec();
    huge.resize(1024 * 1024 + 10, 0);
    let cut = &TONE_OPUS[..TONE_OPUS.len() / 2];
    let mut vorbis = BEEP_WEBM.to_vec();
    let at = vorbis.windows(6).position(|w| w == b"A_OPUS").unwrap();
    vorbis[at..at + 6].copy_from_slice(b"A_VORB");
    let mut eight_bit = TONE_WAV.to_vec();
    eight_bit[34] = 8;
    let cases: [(&str, &[u8], &str); 5] = [
        ("8-bit WAV", &eight_bit, "a WAV file that is not 16-bit PCM"),
        ("over 1 MB", &huge, "The file is over 1 MB."),
        ("cut short", cut, "The file is cut short."),
        ("another codec", &vorbis, "does not hold Opus sound"),
        ("a text file", b"hello, this is not sound", "Not a recording Digna takes"),
    ];
    for (case, bytes, says) in cases {
        let r = upload(&app, &admin, "qu", "welcome", bytes).await;
        assert_eq!(r.status(), 422, "{case}");
        let html = r.text().await.unwrap();
        assert!(html.contains(says) && html.contains("id=\"v-welcome-error\""), "{case}: the reason, at its row");
    }
    // No file, and a text the survey does not have.
    let csrf = app.csrf_of(&admin, "/admin/voices/qu").await;
    let (content_type, body) = multipart(&[("csrf", &csrf), ("key", "welcome")], None);
    let r = admin.post(app.url("/admin/voices/qu/record?lang=en")).header("content-type", content_type).body(body);
    let r = r.send().await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Choose a file or record first."));
    assert_eq!(upload(&app, &admin, "qu", "q:no-such-question", TONE_OPUS).await.status(), 422);
    // Far over the limit: the body is not read to its end.
    let r = upload(&app, &admin, "qu", "welcome", &vec![0u8; 3 * 1024 * 1024]).await;
    assert_eq!(r.status(), 413);
    assert!(r.text().await.unwrap().contains("The file is too large."));
    assert_eq!(app.count("SELECT COUNT(*) FROM voice_recordings").await, 0, "nothing kept");
    assert_eq!(app.count("SELECT COUNT(*) FROM admin_audit WHERE action LIKE 'voice.%'").await, 0);
    // A 16-bit WAV is taken, converted to Opus.
    assert_eq!(upload(&app, &admin, "qu", "welcome", TONE_WAV).await.status(), 303);
    let (sha, _) = stored(&app, "qu", "welcome").await.expect("kept");
    let kept = admin.get(app.url(&format!("/admin/voices/audio/{sha}.ogg"))).send().await.unwrap();
    assert!(kept.bytes().await.unwrap().starts_with(b"OggS"));
}

#[tokio::test]
async fn only_an_administrator_with_her_form_token_records_or_approves() {
    let app = spawn_app().await;
    app.add_station("LIM-01").await;
    app.add_user("sup@digna.test", "supervisor", &["LIM-01"], &[]).await;
    let supervisor = app.signed_in("sup@digna.test").await;
    for path in ["/admin/voices", "/admin/voices/qu"] {
        assert_eq!(supervisor.get(app.url(path)).send().await.unwrap().status(), 403, "{path}");
    }
    let csrf = app.csrf_of(&supervisor, "/account").await;
    let (content_type, body) = multipart(&[("csrf", &csrf), ("key", "welcome")], Some(TONE_OPUS));
    let r = supervisor.post(app.url("/admin/voices/qu/record")).header("content-type", content_type).body(body);
    assert_eq!(r.send().await.unwrap().status(), 403);
    // An administrator's upload without her form token.
    let admin = app.admin_client("admin@digna.test").await;
    let (content_type, body) = multipart(&[("csrf", "forged"), ("key", "welcome")], Some(TONE_OPUS));
    let r = admin.post(app.url("/admin/voices/qu/record")).header("content-type", content_type).body(body);
    assert_eq!(r.send().await.unwrap().status(), 403);
    assert_eq!(app.count("SELECT COUNT(*) FROM voice_recordings").await, 0);
    // The recordings to listen to are the administrators' too.
    let sha = approved_welcome(&app, "qu").await;
    let listen = format!("/admin/voices/audio/{sha}.ogg");
    assert_eq!(supervisor.get(app.url(&listen)).send().await.unwrap().status(), 403);
    assert_eq!(reqwest::get(app.url(&listen)).await.unwrap().url().path(), "/signin");
}

#[tokio::test]
async fn a_text_changed_in_a_new_survey_version_takes_its_recording_off_the_kiosk_until_approved_again() {
    let app = spawn_app().await;
    let admin = app.admin_client("admin@digna.test").await;
    assert_eq!(upload(&app, &admin, "qu", "q:respect", TONE_OPUS).await.status(), 303);
    let (sha, _) = stored(&app, "qu", "q:respect").await.unwrap();
    form(&app, &admin, "/admin/voices/qu/approve", &[("key", "q:respect"), ("sha256", &sha)]).await;
    assert!(index(&app).await["recordings"]["qu"].get("q:respect").is_some());

    // Version 2 asks it in other words.
    assert_eq!(form(&app, &admin, "/admin/survey/draft", &[]).await.status(), 303);
    let path = "/admin/translations/2";
    let change = [("text:respect::qu", "¿Allintachu qhawarqasunki?"), ("save", "cell:respect::qu")];
    assert_eq!(form(&app, &admin, path, &change).await.status(), 303);
    assert_eq!(form(&app, &admin, "/admin/survey/2/publish", &[]).await.status(), 303);

    assert!(index(&app).await["recordings"]["qu"].get("q:respect").is_none(), "off the kiosk");
    assert_eq!(
        reqwest::get(app.url(&format!("/voices/{sha}.ogg"))).await.unwrap().status(),
        200,
        "still the approved sound"
    );
    let page = admin.get(app.url("/admin/voices/qu?lang=en")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("data-key=\"q:respect\" data-status=\"changed\""), "needs review");
    assert!(page.contains("The text changed"));
    // Heard again and approved for the new words.
    form(&app, &admin, "/admin/voices/qu/approve", &[("key", "q:respect"), ("sha256", &sha)]).await;
    assert!(index(&app).await["recordings"]["qu"].get("q:respect").is_some());
    let text = app.text_rows("SELECT text, survey_version FROM voice_recordings").await;
    assert_eq!(text, [vec!["¿Allintachu qhawarqasunki?".to_string(), "2".to_string()]]);
}

#[tokio::test]
async fn a_language_is_read_aloud_as_each_screen_opens_once_its_administrator_says_so() {
    let app = spawn_app().await;
    let admin = app.admin_client("admin@digna.test").await;
    assert_eq!(index(&app).await["read_aloud"], serde_json::json!([]));
    let r = form(&app, &admin, "/admin/voices/qu/read-aloud", &[("read_aloud", "on")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(index(&app).await["read_aloud"], serde_json::json!(["qu"]));
    let page = admin.get(app.url("/admin/voices/qu")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(r#"name="read_aloud" value="on" checked"#), "shown on");
    form(&app, &admin, "/admin/voices/qu/read-aloud", &[]).await;
    assert_eq!(index(&app).await["read_aloud"], serde_json::json!([]));
    let audit = app.text_rows("SELECT action, target, detail FROM admin_audit WHERE action = 'voice.read_aloud'").await;
    assert_eq!(audit.len(), 2);
    // The overview's coverage: one approved prompt in Quechua.
    approved_welcome(&app, "qu").await;
    let overview = admin.get(app.url("/admin/voices?lang=en")).send().await.unwrap().text().await.unwrap();
    let row = &overview[overview.find("data-language=\"qu\"").unwrap()..];
    assert!(row[..row.find("</tr>").unwrap()].contains("<td>1</td>"), "{row}");
    // Beside each language's texts: its share of approved voices, and a warning where it is
    // offered to visitors with voices missing.
    let offer = form(&app, &admin, "/admin/translations/languages", &[("change", "enable:qu")]).await;
    assert_eq!(offer.status(), 303);
    let page = admin.get(app.url("/admin/translations?lang=en")).send().await.unwrap().text().await.unwrap();
    let qu = &page[page.find("<tr data-language=\"qu\"").unwrap()..];
    let qu = &qu[..qu.find("</tr>").unwrap()];
    assert!(qu.contains("href=\"/admin/voices/qu?lang=en\"") && qu.contains(">1 of "), "{qu}");
    assert!(qu.contains("% reviewed)</td>"), "beside the share of reviewed texts: {qu}");
    assert!(qu.contains("id=\"language-qu-voices-incomplete\""), "Quechua is offered, its voices incomplete: {qu}");
    let ay = &page[page.find("<tr data-language=\"ay\"").unwrap()..];
    assert!(ay[..ay.find("</tr>").unwrap()].contains(">0 of "), "{ay}");
}

#[test]
fn recordings_move_to_another_installation_with_their_hashes_checked() {
    use crate::cli::Cli;
    use store::voices::NewVoice;
    let clip = server::voices::audio::normalize(TONE_OPUS).unwrap();
    let sha = domain::hex(&sha2::Sha256::digest(&clip.ogg));
    let ministry = Cli::new();
    ministry.ok(&["language", "disable", "ay"]);
    let (audio, sound) = (clip.ogg.clone(), sha.clone());
    ministry.with_db(|app| async move {
        let voice = NewVoice {
            language: "qu".into(),
            text_key: "welcome".into(),
            text: "Allin hamusqayki".into(),
            survey_version: 1,
            audio,
            sha256: sound.clone(),
            millis: 1200,
            recorded_by: None,
            now: 1,
        };
        let line = store::audit::Entry::new("test", "voice.record", "qu welcome", "");
        let email = domain::Email::parse("voces@ministerio.test").unwrap();
        let grants = store::accounts::Grants::default();
        let by =
            store::Accounts::create(&app.db, &email, domain::Role::Admin, "h", &grants, &line).await.unwrap().unwrap();
        let id = store::Voices::save_voice(&app.db, &voice, &line).await.unwrap();
        store::Voices::approve_voice(&app.db, id, &sound, "Allin hamusqayki", 1, by, 2, &line).await.unwrap();
        app.db.close().await;
    });
    let file = ministry.dir.path().join("voces.json");
    let out = ministry.ok(&["voices", "export", "--out", file.to_str().unwrap()]);
    assert!(out.contains("Wrote 1 recordings (1 approved)"), "{out}");
    assert!(ministry.fails(&["voices", "export", "--out", file.to_str().unwrap()]).contains("never overwrites"));

    let station = Cli::new();
    station.ok(&["language", "disable", "ay"]);
    // A file whose sound was changed on the way: refused whole, nothing written.
    let json = std::fs::read_to_string(&file).unwrap();
    let tampered = station.dir.path().join("tampered.json");
    let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
    value["recordings"][0]["sha256"] = serde_json::Value::String("ab".repeat(32));
    std::fs::write(&tampered, value.to_string()).unwrap();
    let err = station.fails(&["voices", "import", "--from", tampered.to_str().unwrap()]);
    assert!(err.contains(&format!("its sound's SHA-256 is {sha}")), "{err}");
    let out = station.ok(&["voices", "import", "--from", file.to_str().unwrap()]);
    assert!(out.contains("Imported 1 recordings"), "{out}");
    assert!(out.contains("1 of them read words this survey no longer shows"), "its words differ: {out}");
    let imported = station.with_db(|app| async move {
        let files = store::Voices::voice_files(&app.db).await.unwrap();
        app.db.close().await;
        files
    });
    assert_eq!(imported.len(), 1);
    assert_eq!(
        (imported[0].sha256.as_str(), imported[0].approved, &imported[0].audio),
        (sha.as_str(), true, &clip.ogg)
    );
}

#[tokio::test]
async fn a_backup_carries_the_recordings() {
    let app = spawn_app().await;
    crate::backup::recovery_key(&app).await;
    let sha = approved_welcome(&app, "qu").await;
    let out = app.dir.path().join("backups").join("voces.db");
    server::backup::backup(&app.db, &app.state.seal, &out).await.expect("backup");
    let copy = crate::backup::open_copy(&out).await;
    let kept: (String, i64) =
        sqlx::query_as("SELECT sha256, approved_at IS NOT NULL FROM voice_recordings").fetch_one(&copy).await.unwrap();
    assert_eq!(kept, (sha, 1), "the approved recording, in the backup");
}
