//! The admin console's survey versions and translations: a draft copied from the
//! current version, edited question by question, previewed, and published only when
//! complete; published versions that never change; texts edited side by side with their
//! review state; languages offered only when complete. And survey versioning end to
//! end: answers under version 1 and version 2 stay apart in dashboards and exports.

use crate::helpers::{full_answers, new_id, spawn_app, TestApp};
use domain::{Language, QuestionKind};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use store_sqlite::survey::{self as store, Edit, LanguageChange, QuestionChange};

async fn admin(app: &TestApp) -> reqwest::Client {
    app.admin_client("admin@digna.test").await
}

/// Posts `fields` (and the session's form token) to `path`.
async fn post(app: &TestApp, client: &reqwest::Client, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let csrf = app.csrf_of(client, "/admin/survey").await;
    let mut form: Vec<(&str, &str)> = fields.to_vec();
    form.push(("csrf", &csrf));
    client.post(app.url(path)).form(&form).send().await.unwrap()
}

async fn get(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, String) {
    let resp = client.get(app.url(path)).send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

/// Copies the current version to a draft; returns the draft's version.
async fn start_draft(app: &TestApp, client: &reqwest::Client) -> i64 {
    let resp = post(app, client, "/admin/survey/draft", &[]).await;
    assert_eq!(resp.status(), 303);
    crate::store_fn!(app, survey::draft_version(pool)).unwrap().expect("a draft")
}

async fn text(
    app: &TestApp,
    version: i64,
    question: &str,
    choice: &str,
    lang: &str,
) -> Option<(String, String, String)> {
    app.optional_row(
        "SELECT text, child_text, review FROM texts
         WHERE survey_version = ? AND question_key = ? AND choice_key = ? AND language = ?",
        &[
            crate::helpers::Arg::from(version),
            crate::helpers::Arg::from(question),
            crate::helpers::Arg::from(choice),
            crate::helpers::Arg::from(lang),
        ],
    )
    .await
}

async fn question_keys(app: &TestApp, version: i64) -> Vec<String> {
    app.scalars(
        "SELECT key FROM questions WHERE survey_version = ? ORDER BY position",
        &[crate::helpers::Arg::from(version)],
    )
    .await
}

async fn choice_keys(app: &TestApp, version: i64, question: &str) -> Vec<String> {
    app.scalars(
        "SELECT key FROM choices WHERE survey_version = ? AND question_key = ? ORDER BY position",
        &[crate::helpers::Arg::from(version), crate::helpers::Arg::from(question)],
    )
    .await
}

/// (action, target, detail) of every audit line about the survey, its texts and its
/// languages, oldest first.
async fn audit(app: &TestApp) -> Vec<(String, String, String)> {
    let ours = |action: &str| ["survey.", "translation.", "language."].iter().any(|p| action.starts_with(p));
    let mut lines: Vec<_> = crate::store_fn!(app, audit::audit_log(pool, 500))
        .unwrap()
        .into_iter()
        .filter(|a| ours(&a.action))
        .map(|a| (a.action, a.target, a.detail))
        .collect();
    lines.reverse();
    lines
}

/// The whole survey catalog of a version, to prove it did not change.
async fn catalog(app: &TestApp, version: i64) -> Vec<String> {
    let survey = crate::store_fn!(app, survey::load_any(pool, version)).unwrap().unwrap();
    let texts = crate::store_fn!(app, survey::text_rows(pool, version)).unwrap();
    let mut out = vec![serde_json::to_string(&survey.questions).unwrap()];
    out.extend(texts.iter().map(|t| format!("{t:?}")));
    out.sort();
    out
}

async fn tablet_survey(app: &TestApp, token: &str) -> Value {
    let resp = app.client.get(app.url("/api/v1/survey")).bearer_auth(token).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

#[tokio::test]
async fn only_admins_reach_survey_versions_and_translations() {
    let app = spawn_app().await;
    app.add_user("sup@digna.test", "supervisor", &[], &["Lima Centro"]).await;
    let sup = app.signed_in("sup@digna.test").await;
    for path in ["/admin/survey", "/admin/survey/1", "/admin/survey/1/preview", "/admin/translations"] {
        assert_eq!(sup.get(app.url(path)).send().await.unwrap().status(), 403, "GET {path}");
        assert_eq!(app.browser().get(app.url(path)).send().await.unwrap().status(), 303, "GET {path} signed out");
    }
    // A draft made by an admin, which the supervisor tries to change.
    let client = admin(&app).await;
    let draft = start_draft(&app, &client).await;
    let before = catalog(&app, draft).await;
    let csrf = app.csrf_of(&sup, "/dashboard").await;
    let posts = [
        ("/admin/survey/draft".to_string(), vec![]),
        (format!("/admin/survey/{draft}/publish"), vec![]),
        (format!("/admin/survey/{draft}/discard"), vec![]),
        (format!("/admin/survey/{draft}/questions"), vec![("key", "new_one"), ("kind", "scale4")]),
        (format!("/admin/survey/{draft}/questions/respect"), vec![("kind", "scale4"), ("text:es", "¿Bien?")]),
        (format!("/admin/survey/{draft}/questions/respect/move"), vec![("direction", "down")]),
        (format!("/admin/survey/{draft}/questions/respect/remove"), vec![]),
        (format!("/admin/translations/{draft}"), vec![("text:respect::qu", "X")]),
        ("/admin/translations/languages".to_string(), vec![("change", "enable:qu")]),
    ];
    for (path, fields) in posts {
        let mut form = fields.clone();
        form.push(("csrf", csrf.as_str()));
        let resp = sup.post(app.url(&path)).form(&form).send().await.unwrap();
        assert_eq!(resp.status(), 403, "POST {path}");
    }
    assert_eq!(catalog(&app, draft).await, before, "nothing changed");
    assert_eq!(crate::store_fn!(app, survey::versions(pool)).unwrap().len(), 2);
    assert!(!crate::store_fn!(app, survey::enabled_languages(pool)).unwrap().contains(&Language::Qu));
    assert!(audit(&app).await.iter().all(|(action, ..)| action == "survey.draft"), "only the admin's draft");
}

#[tokio::test]
async fn a_draft_copies_the_current_version_once() {
    let app = spawn_app().await;
    let client = admin(&app).await;
    let (status, html) = get(&app, &client, "/admin/survey").await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"survey-versions\"") && html.contains("data-version=\"1\""), "{html}");
    assert!(html.contains("id=\"new-draft\""));

    let draft = start_draft(&app, &client).await;
    assert_eq!(draft, 2);
    assert_eq!(crate::store_fn!(app, survey::is_published(pool, 2)).unwrap(), Some(false));
    let (v1, v2) = (
        crate::store_fn!(app, survey::load_any(pool, 1)).unwrap().unwrap(),
        crate::store_fn!(app, survey::load_any(pool, 2)).unwrap().unwrap(),
    );
    assert_eq!(v1.questions, v2.questions, "questions, kinds, choices and texts copied");
    let review = |rows: Vec<store::TextRow>| {
        rows.into_iter().map(|r| ((r.question_key, r.choice_key, r.language), r.review)).collect::<BTreeMap<_, _>>()
    };
    assert_eq!(
        review(crate::store_fn!(app, survey::text_rows(pool, 1)).unwrap()),
        review(crate::store_fn!(app, survey::text_rows(pool, 2)).unwrap()),
        "review states copied"
    );
    assert_eq!(audit(&app).await, [("survey.draft".into(), "v2".into(), "copied from v1".into())]);

    // At most one draft: the page offers none, and a second copy is refused.
    let (_, html) = get(&app, &client, "/admin/survey").await;
    assert!(!html.contains("id=\"new-draft\"") && html.contains("data-version=\"2\""));
    assert_eq!(post(&app, &client, "/admin/survey/draft", &[]).await.status(), 409);
    assert_eq!(crate::store_fn!(app, survey::versions(pool)).unwrap().len(), 2);
    // Tablets keep version 1 while the draft is edited.
    assert_eq!(crate::store_fn!(app, survey::current_version(pool)).unwrap(), Some(1));
    // The draft opens in the editor, one form per question.
    let (status, html) = get(&app, &client, "/admin/survey/2").await;
    assert_eq!(status, 200);
    assert!(html.contains("data-question=\"respect\"") && html.contains("id=\"publish\""), "{html}");
    assert!(html.contains("name=\"choice:15-30:text:qu\""));
}

#[tokio::test]
async fn an_admin_edits_texts_kinds_choices_order_and_the_index() {
    let app = spawn_app().await;
    let client = admin(&app).await;
    let v = start_draft(&app, &client).await;
    let v1_before = catalog(&app, 1).await;
    let path = |key: &str| format!("/admin/survey/{v}/questions/{key}");

    // Texts, choice labels, order, a choice removed and one added, in one form.
    let resp = post(
        &app,
        &client,
        &path("waiting_time"),
        &[
            ("kind", "single"),
            ("text:en", "How long did you wait in all?"),
            ("choice:15-30:text:en", "15 to 30 min"),
            ("choice:under-15:position", "2"),
            ("choice:15-30:position", "1"),
            ("choice:over-60:remove", "1"),
            ("new_choice", "over-90"),
            ("new_choice:text:es", "Más de 90 minutos"),
            ("new_choice:child:es", "Muchísimo"),
        ],
    )
    .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(choice_keys(&app, v, "waiting_time").await, ["15-30", "under-15", "30-60", "over-90"]);
    let (en, _, review) = text(&app, v, "waiting_time", "", "en").await.unwrap();
    assert_eq!((en.as_str(), review.as_str()), ("How long did you wait in all?", "needs_review"));
    assert_eq!(text(&app, v, "waiting_time", "15-30", "en").await.unwrap().0, "15 to 30 min");
    assert_eq!(text(&app, v, "waiting_time", "over-60", "es").await, None, "a removed choice takes its texts");
    assert_eq!(
        text(&app, v, "waiting_time", "over-90", "es").await.unwrap(),
        ("Más de 90 minutos".into(), "Muchísimo".into(), "needs_review".into())
    );

    // Out of the index.
    assert_eq!(post(&app, &client, &path("respect"), &[("kind", "scale4")]).await.status(), 303);
    let survey = crate::store_fn!(app, survey::load_any(pool, v)).unwrap().unwrap();
    assert!(!survey.question("respect").unwrap().in_index);
    // Only a face scale counts toward the index.
    let resp = post(&app, &client, &path("waiting_time"), &[("kind", "single"), ("in_index", "1")]).await;
    assert_eq!(resp.status(), 422);
    assert!(resp.text().await.unwrap().contains("q-waiting_time-in_index-error"));

    // A key answered one way in version 1 is not answered another way in version 2; what
    // was typed stays on the page.
    let resp =
        post(&app, &client, &path("improve"), &[("kind", "single"), ("text:es", "¿Qué cambiarías primero?")]).await;
    assert_eq!(resp.status(), 422);
    let html = resp.text().await.unwrap();
    assert!(html.contains("id=\"q-improve-kind-error\"") && html.contains("versión 1"), "{html}");
    assert!(html.contains("value=\"¿Qué cambiarías primero?\""), "the typed text is kept");
    assert_eq!(
        crate::store_fn!(app, survey::load_any(pool, v)).unwrap().unwrap().question("improve").unwrap().kind,
        QuestionKind::Multi
    );

    // A new question: its kind changes freely, it moves up, and it goes.
    let resp =
        post(&app, &client, &format!("/admin/survey/{v}/questions"), &[("key", "accessible"), ("kind", "single")])
            .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(question_keys(&app, v).await.last().unwrap(), "accessible");
    assert_eq!(post(&app, &client, &path("accessible"), &[("kind", "scale4"), ("in_index", "1")]).await.status(), 303);
    let survey = crate::store_fn!(app, survey::load_any(pool, v)).unwrap().unwrap();
    let accessible = survey.question("accessible").unwrap();
    assert_eq!((accessible.kind, accessible.in_index), (QuestionKind::Scale4, true));
    assert_eq!(
        post(&app, &client, &format!("{}/move", path("accessible")), &[("direction", "up")]).await.status(),
        303
    );
    let keys = question_keys(&app, v).await;
    assert_eq!(&keys[keys.len() - 2..], ["accessible", "age_band"]);
    assert_eq!(post(&app, &client, &format!("{}/move", path("respect")), &[("direction", "down")]).await.status(), 303);
    assert_eq!(&question_keys(&app, v).await[..2], ["believed", "respect"]);
    assert_eq!(post(&app, &client, &format!("{}/remove", path("accessible")), &[]).await.status(), 303);
    assert!(!question_keys(&app, v).await.contains(&"accessible".to_string()));
    // Profile items stay: the kiosk and the dashboards read them.
    assert_eq!(post(&app, &client, &format!("{}/remove", path("respondent")), &[]).await.status(), 422);
    assert!(question_keys(&app, v).await.contains(&"respondent".to_string()));

    assert_eq!(catalog(&app, 1).await, v1_before, "version 1 never changed");
    let edits: Vec<(String, String)> =
        audit(&app).await.into_iter().filter(|(a, ..)| a == "survey.edit").map(|(_, t, d)| (t, d)).collect();
    assert_eq!(edits.len(), 7, "{edits:?}");
    assert_eq!(edits[0].0, "v2/waiting_time");
    for part in [
        "text en",
        "choice 15-30 text en",
        "choice over-60 removed",
        "choice order 15-30, under-15, 30-60",
        "choice over-90 added",
    ] {
        assert!(edits[0].1.contains(part), "{part} in {}", edits[0].1);
    }
    assert_eq!(edits[1], ("v2/respect".into(), "in_index yes → no".into()));
    assert_eq!(edits[2], ("v2/accessible".into(), "question added: single, in_index no".into()));
    assert_eq!(edits[3], ("v2/accessible".into(), "kind single → scale4; in_index no → yes".into()));
    assert_eq!(edits[6], ("v2/accessible".into(), "question removed".into()));
}

#[tokio::test]
async fn a_bad_question_key_is_refused_and_what_was_typed_is_kept() {
    let app = spawn_app().await;
    let client = admin(&app).await;
    let v = start_draft(&app, &client).await;
    let before = catalog(&app, v).await;
    let cases = [
        ("upper case and a space", "Mal Clave", "no puede llevar"),
        ("a hyphen", "waiting-time", "no puede llevar"),
        ("a digit first", "2nd", "empezar con una letra"),
        ("empty", "   ", "Escribe una clave"),
        ("taken", "respect", "Ya hay una pregunta"),
        ("an export column", "survey_version", "reservada"),
    ];
    for (case, key, message) in cases {
        let resp =
            post(&app, &client, &format!("/admin/survey/{v}/questions"), &[("key", key), ("kind", "multi")]).await;
        assert_eq!(resp.status(), 422, "{case}");
        let html = resp.text().await.unwrap();
        assert!(html.contains("id=\"nq-key-error\"") && html.contains(message), "{case}: {html}");
        assert!(html.contains(&format!("value=\"{key}\"")), "{case}: the typed key is kept");
        assert!(html.contains("<option value=\"multi\" selected"), "{case}: the chosen kind is kept");
    }
    // In English on request.
    let resp =
        post(&app, &client, &format!("/admin/survey/{v}/questions?lang=en"), &[("key", "Bad"), ("kind", "scale4")])
            .await;
    assert_eq!(resp.status(), 422);
    assert!(resp.text().await.unwrap().contains("may not hold"));
    assert_eq!(catalog(&app, v).await, before, "nothing was added");
    assert!(audit(&app).await.iter().all(|(a, ..)| a != "survey.edit"));
}

#[tokio::test]
async fn a_published_version_never_changes() {
    let app = spawn_app().await;
    let client = admin(&app).await;
    let before = catalog(&app, 1).await;
    let posts: [(&str, &[(&str, &str)]); 7] = [
        ("/admin/survey/1/questions/respect", &[("kind", "scale4"), ("text:es", "¿Bien?")]),
        ("/admin/survey/1/questions", &[("key", "new_one"), ("kind", "scale4")]),
        ("/admin/survey/1/questions/respect/move", &[("direction", "down")]),
        ("/admin/survey/1/questions/respect/remove", &[]),
        ("/admin/survey/1/publish", &[]),
        ("/admin/survey/1/discard", &[]),
        ("/admin/translations/1", &[("text:respect::qu", "Allinchu?")]),
    ];
    for (path, fields) in posts {
        let resp = post(&app, &client, path, fields).await;
        assert_eq!(resp.status(), 409, "{path}");
        assert!(resp.text().await.unwrap().contains("ya está publicada y no se puede cambiar"), "{path}");
    }
    // The page shows it read-only.
    let (status, html) = get(&app, &client, "/admin/survey/1").await;
    assert_eq!(status, 200);
    assert!(!html.contains("data-question=") && !html.contains("id=\"publish\""));

    // The database functions refuse it too, and so does the database itself.
    let change = QuestionChange {
        kind: QuestionKind::Scale4,
        in_index: false,
        observable: false,
        choices: vec![],
        texts: vec![],
    };
    assert_eq!(crate::store_fn!(app, survey::update_question(conn, 1, "respect", &change)).unwrap(), Edit::Published);
    assert_eq!(crate::store_fn!(app, survey::remove_question(conn, 1, "respect")).unwrap(), Edit::Published);
    assert_eq!(crate::store_fn!(app, survey::discard_draft(conn, 1)).unwrap(), Edit::Published);
    for sql in [
        "UPDATE texts SET text = 'x' WHERE survey_version = 1",
        "DELETE FROM choices WHERE survey_version = 1",
        "UPDATE questions SET in_index = FALSE WHERE survey_version = 1",
        "UPDATE survey_versions SET published = FALSE WHERE version = 1",
    ] {
        let err = app.execute(sql, &[]).await.expect_err(sql);
        assert!(err.to_string().contains("published survey version"), "{sql}: {err}");
    }
    assert_eq!(catalog(&app, 1).await, before);
    assert!(audit(&app).await.is_empty());
}

#[tokio::test]
async fn an_incomplete_draft_is_not_published() {
    let app = spawn_app().await;
    let (_, token) = app.station_with_tablet("LIM-01").await;
    let client = admin(&app).await;
    let v = start_draft(&app, &client).await;
    // One Quechua text blanked in the draft, then Quechua offered to visitors (version 1
    // has every Quechua text, so that is allowed).
    let path = format!("/admin/translations/{v}");
    let blank = [("text:respect::qu", ""), ("child:respect::qu", ""), ("save", "cell:respect::qu")];
    assert_eq!(post(&app, &client, &path, &blank).await.status(), 303);
    assert_eq!(text(&app, v, "respect", "", "qu").await, None);
    assert_eq!(post(&app, &client, "/admin/translations/languages", &[("change", "enable:qu")]).await.status(), 303);

    let resp = post(&app, &client, &format!("/admin/survey/{v}/publish"), &[]).await;
    assert_eq!(resp.status(), 422);
    let html = resp.text().await.unwrap();
    assert!(html.contains("id=\"publish-problems\""), "{html}");
    assert!(
        html.contains("Faltan 2 textos en Runasimi (qu): respect — texto; respect — texto para niñas y niños"),
        "{html}"
    );
    assert!(!html.contains("en Español") && !html.contains("en English"), "Spanish and English are complete");
    assert_eq!(crate::store_fn!(app, survey::is_published(pool, v)).unwrap(), Some(false), "nothing published");
    assert_eq!(tablet_survey(&app, &token).await["version"], 1);
    assert!(audit(&app).await.iter().all(|(a, ..)| a != "survey.publish"));

    // An empty choice question is refused too, whatever the languages.
    let resp =
        post(&app, &client, &format!("/admin/survey/{v}/questions"), &[("key", "accessible"), ("kind", "single")])
            .await;
    assert_eq!(resp.status(), 303);
    let resp = post(&app, &client, &format!("/admin/survey/{v}/publish?lang=en"), &[]).await;
    assert_eq!(resp.status(), 422);
    let html = resp.text().await.unwrap();
    assert!(html.contains("“accessible” needs at least two choices"), "{html}");
}

#[tokio::test]
async fn a_published_draft_is_the_version_tablets_get() {
    let app = spawn_app().await;
    let (_, token) = app.station_with_tablet("LIM-01").await;
    let client = admin(&app).await;
    let v = start_draft(&app, &client).await;
    let fields = [("kind", "scale4"), ("in_index", "1"), ("text:es", "¿Te trataron con respeto y amabilidad?")];
    assert_eq!(post(&app, &client, &format!("/admin/survey/{v}/questions/respect"), &fields).await.status(), 303);
    assert_eq!(post(&app, &client, &format!("/admin/survey/{v}/publish"), &[]).await.status(), 303);

    assert_eq!(crate::store_fn!(app, survey::is_published(pool, v)).unwrap(), Some(true));
    let survey = tablet_survey(&app, &token).await;
    assert_eq!(survey["version"], 2);
    assert_eq!(survey["questions"][0]["text"]["es"], "¿Te trataron con respeto y amabilidad?");
    assert_eq!(survey["languages"], json!(["es", "en"]));
    assert!(audit(&app).await.contains(&("survey.publish".into(), "v2".into(), "published; offered in es, en".into())));
    // Answers queued under version 1 are still accepted, and keep their version.
    assert_eq!(app.submit(&token, &full_answers(&new_id())).await.status(), 201);
    // Version 2 is now immutable, and a new draft is version 3.
    assert_eq!(post(&app, &client, &format!("/admin/survey/{v}/questions/respect"), &fields).await.status(), 409);
    assert_eq!(start_draft(&app, &client).await, 3);
    let (_, html) = get(&app, &client, "/admin/survey").await;
    assert!(html.contains("data-version=\"3\"") && html.contains("data-version=\"2\""));
}

/// The checkbox `observable` of a question's form, or of the new-question form
/// (`key` None), as rendered: (present, ticked).
fn observable_box(html: &str, key: Option<&str>) -> (bool, bool) {
    let id = match key {
        Some(k) => format!("id=\"q-{k}-observable\""),
        None => "id=\"nq-observable\"".to_string(),
    };
    let Some(at) = html.find(&id) else { return (false, false) };
    let start = html[..at].rfind('<').unwrap();
    let tag = &html[start..start + html[start..].find('>').unwrap()];
    (tag.contains("name=\"observable\"") && tag.contains("type=\"checkbox\""), tag.contains(" checked"))
}

#[tokio::test]
async fn an_admin_marks_a_question_observable_and_publishing_keeps_it() {
    let app = spawn_app().await;
    let client = admin(&app).await;
    let v = start_draft(&app, &client).await;
    let path = |key: &str| format!("/admin/survey/{v}/questions/{key}");
    let observable = |survey: &domain::Survey, key: &str| survey.question(key).unwrap().observable;

    // The editor shows the marking: ticked on what staff could see (copied from v1).
    let (_, html) = get(&app, &client, &format!("/admin/survey/{v}")).await;
    assert!(html.contains("Visible para el personal (se retiene en las publicaciones si haría reconocible a alguien)"));
    assert_eq!(observable_box(&html, Some("waiting_time")), (true, true), "{html}");
    assert_eq!(observable_box(&html, Some("respondent")), (true, true));
    assert_eq!(observable_box(&html, Some("respect")), (true, false));
    assert_eq!(observable_box(&html, None), (true, false), "the new-question form has it too");
    assert!(html.contains("aria-describedby=\"q-waiting_time-observable-help\""), "with its help text");
    let (_, html) = get(&app, &client, &format!("/admin/survey/{v}?lang=en")).await;
    assert!(html.contains("Staff could see it (withheld in releases if it would single someone out)"));

    // A new one-choice question, not marked.
    let resp =
        post(&app, &client, &format!("/admin/survey/{v}/questions"), &[("key", "accompanied"), ("kind", "single")])
            .await;
    assert_eq!(resp.status(), 303);
    assert!(!observable(&crate::store_fn!(app, survey::load_any(pool, v)).unwrap().unwrap(), "accompanied"));

    // Only a one-choice question is withheld in releases: a face scale or several
    // choices marked observable are refused, with what was typed kept.
    let resp = post(
        &app,
        &client,
        &format!("/admin/survey/{v}/questions"),
        &[("key", "seen_face"), ("kind", "scale4"), ("observable", "1")],
    )
    .await;
    assert_eq!(resp.status(), 422);
    let html = resp.text().await.unwrap();
    assert!(html.contains("id=\"nq-observable-error\""), "{html}");
    assert_eq!(observable_box(&html, None), (true, true), "the tick is kept");
    let resp = post(&app, &client, &path("accompanied"), &[("kind", "multi"), ("observable", "1")]).await;
    assert_eq!(resp.status(), 422);
    let html = resp.text().await.unwrap();
    assert!(html.contains("id=\"q-accompanied-observable-error\""), "{html}");
    assert!(!question_keys(&app, v).await.contains(&"seen_face".to_string()));

    // Marked, with its texts and a first choice; then a second choice, still marked.
    let fields = [
        ("kind", "single"),
        ("observable", "1"),
        ("text:es", "¿Viniste con alguien?"),
        ("child:es", "¿Alguien vino contigo?"),
        ("text:en", "Did someone come with you?"),
        ("child:en", "Did someone come with you?"),
        ("new_choice", "alone"),
        ("new_choice:text:es", "Sola"),
        ("new_choice:child:es", "Sola"),
        ("new_choice:text:en", "Alone"),
        ("new_choice:child:en", "Alone"),
    ];
    assert_eq!(post(&app, &client, &path("accompanied"), &fields).await.status(), 303);
    let fields = [
        ("kind", "single"),
        ("observable", "1"),
        ("new_choice", "with-someone"),
        ("new_choice:text:es", "Acompañada"),
        ("new_choice:child:es", "Con alguien"),
        ("new_choice:text:en", "With someone"),
        ("new_choice:child:en", "With someone"),
    ];
    assert_eq!(post(&app, &client, &path("accompanied"), &fields).await.status(), 303);
    let draft = crate::store_fn!(app, survey::load_any(pool, v)).unwrap().unwrap();
    assert!(observable(&draft, "accompanied"));
    assert_eq!(draft.question("accompanied").unwrap().choices.len(), 2);
    let (_, html) = get(&app, &client, &format!("/admin/survey/{v}")).await;
    assert_eq!(observable_box(&html, Some("accompanied")), (true, true));

    // Unticked and ticked again on a question copied from version 1.
    assert_eq!(post(&app, &client, &path("age_band"), &[("kind", "single")]).await.status(), 303);
    assert!(!observable(&crate::store_fn!(app, survey::load_any(pool, v)).unwrap().unwrap(), "age_band"));
    assert_eq!(post(&app, &client, &path("age_band"), &[("kind", "single"), ("observable", "1")]).await.status(), 303);

    let edits: Vec<(String, String)> =
        audit(&app).await.into_iter().filter(|(a, ..)| a == "survey.edit").map(|(_, t, d)| (t, d)).collect();
    assert_eq!(edits[0], (format!("v{v}/accompanied"), "question added: single, in_index no".into()));
    assert!(edits[1].0 == format!("v{v}/accompanied") && edits[1].1.starts_with("observable no → yes; "), "{edits:?}");
    assert_eq!(
        edits[2],
        (format!("v{v}/accompanied"), "choice with-someone added".into()),
        "still marked: not audited"
    );
    assert_eq!(edits[3], (format!("v{v}/age_band"), "observable yes → no".into()));
    assert_eq!(edits[4], (format!("v{v}/age_band"), "observable no → yes".into()));
    assert_eq!(edits.len(), 5, "{edits:?}");

    // Published: the marking is part of the version, as releases read it.
    let resp = post(&app, &client, &format!("/admin/survey/{v}/publish"), &[]).await;
    assert_eq!(resp.status(), 303);
    let published = crate::store_fn!(app, survey::load(pool, v)).unwrap().expect("published");
    for key in ["accompanied", "waiting_time", "respondent", "age_band"] {
        assert!(observable(&published, key), "{key}");
    }
    assert!(!observable(&published, "respect"));
    let release_order: Vec<&str> = published.observable_in_release_order().map(|q| q.key.as_str()).collect();
    assert_eq!(release_order, ["accompanied", "age_band", "respondent", "waiting_time"]);
    // Shown read-only.
    let (status, html) = get(&app, &client, &format!("/admin/survey/{v}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("accompanied · Una opción · visible para el personal"), "{html}");
    assert!(!html.contains("respect · Escala de cuatro caras · cuenta para el índice · visible"));
    assert_eq!(observable_box(&html, Some("accompanied")), (false, false), "no checkbox");

    // A published version keeps its marking: refused (409) by the form, the database
    // functions and the database.
    let before = catalog(&app, v).await;
    let resp = post(&app, &client, &path("accompanied"), &[("kind", "single")]).await;
    assert_eq!(resp.status(), 409);
    assert!(resp.text().await.unwrap().contains("ya está publicada y no se puede cambiar"));
    let resp =
        post(&app, &client, &path("respect"), &[("kind", "scale4"), ("in_index", "1"), ("observable", "1")]).await;
    assert_eq!(resp.status(), 409);
    let change = QuestionChange {
        kind: QuestionKind::Single,
        in_index: false,
        observable: false,
        choices: vec!["alone".into(), "with-someone".into()],
        texts: vec![],
    };
    assert_eq!(
        crate::store_fn!(app, survey::update_question(conn, v, "accompanied", &change)).unwrap(),
        Edit::Published
    );
    let sql = "UPDATE questions SET observable = FALSE WHERE survey_version = ? AND key = 'accompanied'";
    let err = app.execute(sql, &[crate::helpers::Arg::from(v)]).await.expect_err("the trigger refuses it");
    assert!(err.to_string().contains("published survey version"), "{err}");
    assert_eq!(catalog(&app, v).await, before);
    assert!(observable(&crate::store_fn!(app, survey::load(pool, v)).unwrap().unwrap(), "accompanied"));
    assert_eq!(audit(&app).await.iter().filter(|(a, ..)| a == "survey.edit").count(), 5, "nothing more audited");
}

#[tokio::test]
async fn translations_are_edited_side_by_side_with_their_review_state() {
    let app = spawn_app().await;
    let client = admin(&app).await;
    // Without a draft: the published version, read-only, and a way to start a draft.
    let (status, html) = get(&app, &client, "/admin/translations").await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"translations\"") && html.contains("id=\"languages\""));
    assert!(html.contains("id=\"new-draft\"") && !html.contains("name=\"text:respect::qu\""), "{html}");
    let resp = post(&app, &client, "/admin/survey/draft", &[("next", "translations")]).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/admin/translations?lang=es");
    let v = crate::store_fn!(app, survey::draft_version(pool)).unwrap().unwrap();

    let (_, html) = get(&app, &client, "/admin/translations").await;
    for name in ["text:respect::qu", "child:respect::qu", "review:respect::qu", "text:waiting_time:15-30:ay"] {
        assert!(html.contains(&format!("name=\"{name}\"")), "{name}");
    }
    assert!(html.contains("id=\"translations-form\"") && html.contains("value=\"cell:respect::qu\""));

    // One cell saved alone: other changes typed but not saved stay on screen.
    let path = format!("/admin/translations/{v}");
    let resp = post(
        &app,
        &client,
        &path,
        &[
            ("text:respect::qu", "¿Allintachu qamta rikusurqanku?"),
            ("review:respect::qu", "reviewed"),
            ("text:believed::qu", "Mana waqaychasqa"),
            ("save", "cell:respect::qu"),
        ],
    )
    .await;
    assert_eq!(resp.status(), 200);
    let html = resp.text().await.unwrap();
    assert!(html.contains("id=\"translations-notice\"") && html.contains("value=\"Mana waqaychasqa\""), "{html}");
    let (qu, child, review) = text(&app, v, "respect", "", "qu").await.unwrap();
    assert_eq!((qu.as_str(), review.as_str()), ("¿Allintachu qamta rikusurqanku?", "reviewed"));
    assert!(!child.is_empty(), "the child text was left as it was");
    assert_ne!(text(&app, v, "believed", "", "qu").await.unwrap().0, "Mana waqaychasqa");

    // A column: its changed cells, not the other columns'.
    let resp = post(
        &app,
        &client,
        &path,
        &[
            ("text:believed::qu", "Mana waqaychasqa"),
            ("review:improve:privacy:qu", "needs_review"),
            ("text:believed::ay", "Janiw"),
            ("save", "column:qu"),
        ],
    )
    .await;
    assert_eq!(resp.status(), 200, "the Aymara change waits on screen");
    assert_eq!(text(&app, v, "believed", "", "qu").await.unwrap().0, "Mana waqaychasqa");
    assert_eq!(text(&app, v, "improve", "privacy", "qu").await.unwrap().2, "needs_review");
    assert_ne!(text(&app, v, "believed", "", "ay").await.unwrap().0, "Janiw");

    // The whole table, as a browser sends it: every field of every cell (far more than
    // other staff forms), one of them changed, saved with the first button.
    let rows = crate::store_fn!(app, survey::text_rows(pool, v)).unwrap();
    let mut fields: Vec<(String, String)> = Vec::new();
    for r in &rows {
        let base = format!("{}:{}:{}", r.question_key, r.choice_key, r.language);
        let text =
            if base == "safety::en" { "Did you feel safe while you waited?".to_string() } else { r.text.clone() };
        fields.push((format!("text:{base}"), text));
        fields.push((format!("child:{base}"), r.child_text.clone()));
        fields.push((format!("review:{base}"), r.review.code().to_string()));
    }
    fields.push(("save".into(), "all".into()));
    fields.push(("csrf".into(), app.csrf_of(&client, "/admin/translations").await));
    assert!(serde_urlencoded::to_string(&fields).unwrap().len() > 16 * 1024);
    let resp = client.post(app.url(&path)).form(&fields).send().await.unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(text(&app, v, "safety", "", "en").await.unwrap().0, "Did you feel safe while you waited?");

    // A bad cell: nothing saved, what was typed kept, the cell's error named.
    let resp = post(&app, &client, &path, &[("text:informed::qu", "uno\ndos"), ("text:safety::qu", "Allin")]).await;
    assert_eq!(resp.status(), 422);
    let html = resp.text().await.unwrap();
    assert!(html.contains("id=\"tr-text-informed--qu-error\"") && html.contains("value=\"Allin\""), "{html}");
    assert_ne!(text(&app, v, "safety", "", "qu").await.unwrap().0, "Allin");

    let edits: Vec<(String, String)> =
        audit(&app).await.into_iter().filter(|(a, ..)| a == "translation.edit").map(|(_, t, d)| (t, d)).collect();
    assert_eq!(
        edits,
        [
            ("v2/qu".into(), "respect: text, review machine_draft → reviewed".into()),
            ("v2/qu".into(), "believed: text; improve › privacy: review machine_draft → needs_review".into()),
            ("v2/en".into(), "safety: text".into()),
        ]
    );
}

#[tokio::test]
async fn a_language_is_offered_only_when_the_published_version_has_every_text() {
    let app = spawn_app().await;
    let (_, token) = app.station_with_tablet("LIM-01").await;
    let client = admin(&app).await;
    // Version 2 lacks an Aymara text: it may be published (Aymara is not offered)…
    let v = start_draft(&app, &client).await;
    let blank = [("text:overall::ay", ""), ("child:overall::ay", ""), ("save", "column:ay")];
    assert_eq!(post(&app, &client, &format!("/admin/translations/{v}"), &blank).await.status(), 303);
    assert_eq!(post(&app, &client, &format!("/admin/survey/{v}/publish"), &[]).await.status(), 303);
    // …but then Aymara cannot be offered.
    let resp = post(&app, &client, "/admin/translations/languages", &[("change", "enable:ay")]).await;
    assert_eq!(resp.status(), 422);
    let html = resp.text().await.unwrap();
    assert!(html.contains("No se puede ofrecer Aymar aru (ay)") && html.contains("overall — texto"), "{html}");
    assert!(!crate::store_fn!(app, survey::enabled_languages(pool)).unwrap().contains(&Language::Ay));
    // Spanish is always offered.
    assert_eq!(post(&app, &client, "/admin/translations/languages", &[("change", "disable:es")]).await.status(), 422);
    assert!(crate::store_fn!(app, survey::enabled_languages(pool)).unwrap().contains(&Language::Es));
    assert!(audit(&app).await.iter().all(|(a, ..)| !a.starts_with("language.")));

    // Version 3 has it again: Aymara can be offered, and tablets offer it.
    let v = start_draft(&app, &client).await;
    let fill = [("text:overall::ay", "¿Kunjamaraki jichhüru?"), ("child:overall::ay", "¿Kunjamaraki?")];
    assert_eq!(post(&app, &client, &format!("/admin/translations/{v}"), &fill).await.status(), 303);
    assert_eq!(post(&app, &client, &format!("/admin/survey/{v}/publish"), &[]).await.status(), 303);
    assert_eq!(post(&app, &client, "/admin/translations/languages", &[("change", "enable:ay")]).await.status(), 303);
    assert_eq!(tablet_survey(&app, &token).await["languages"], json!(["es", "ay", "en"]));
    assert_eq!(post(&app, &client, "/admin/translations/languages", &[("change", "disable:ay")]).await.status(), 303);
    assert_eq!(tablet_survey(&app, &token).await["languages"], json!(["es", "en"]));

    // The command line's function: the same rules, the same audit line.
    let cli = crate::store_fn!(app, survey::offer_language(pool, Language::Qu, true, "command line (test)"));
    assert_eq!(cli.unwrap(), LanguageChange::Changed);
    let refused = crate::store_fn!(app, survey::offer_language(pool, Language::Es, false, "command line (test)"));
    assert_eq!(refused.unwrap(), LanguageChange::AlwaysOffered);
    let lines: Vec<(String, String)> =
        audit(&app).await.into_iter().filter(|(a, ..)| a.starts_with("language.")).map(|(a, t, _)| (a, t)).collect();
    assert_eq!(
        lines,
        [
            ("language.enable".into(), "ay".into()),
            ("language.disable".into(), "ay".into()),
            ("language.enable".into(), "qu".into())
        ]
    );
    let log = crate::store_fn!(app, audit::audit_log(pool, 1)).unwrap();
    assert_eq!(log[0].actor, "command line (test)");
}

#[tokio::test]
async fn the_preview_shows_the_draft_as_the_kiosk_would() {
    let app = spawn_app().await;
    let client = admin(&app).await;
    let v = start_draft(&app, &client).await;
    let fields = [("kind", "scale4"), ("in_index", "1"), ("child:qu", "¿Sumaqllatachu?")];
    assert_eq!(post(&app, &client, &format!("/admin/survey/{v}/questions/respect"), &fields).await.status(), 303);
    // Every table but the sessions (a request refreshes its own session).
    let dump = || async {
        let mut d = app.dump().await;
        d.retain(|table, _| !table.contains("session"));
        d
    };
    let before = dump().await;
    // The profile items come first, as on the kiosk: respect is the third screen.
    let (status, html) = get(&app, &client, &format!("/admin/survey/{v}/preview?visitor=qu&child=1&q=3")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Vista previa — no se guarda nada"), "{html}");
    assert!(html.contains("class=\"kiosk\"") && html.contains("data-question=\"respect\""));
    assert!(html.contains("¿Sumaqllatachu?"), "the child wording in Quechua");
    assert!(html.contains("class=\"answer face-answer level-4\""), "four faces");
    let (_, html) = get(&app, &client, &format!("/admin/survey/{v}/preview?visitor=es&q=3&lang=en")).await;
    assert!(html.contains("Preview — nothing is saved") && html.contains("¿Te trataron con respeto?"));
    assert_eq!(dump().await, before, "a preview writes nothing");
}

// ---------------------------------------------------------------- survey versioning

/// Five complete answers under version 2 (no waiting time; "accessible" asked).
fn v2_answers(id: &str) -> Value {
    let mut body = full_answers(id);
    body["survey_version"] = json!(2);
    let answers = body["answers"].as_object_mut().unwrap();
    answers.remove("waiting_time");
    answers.insert("respect".into(), json!(2));
    answers.insert("accessible".into(), json!(3));
    body
}

fn zip_files(path: &std::path::Path) -> BTreeMap<String, Vec<u8>> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes).unwrap();
            (f.name().unwrap().to_string(), bytes)
        })
        .collect()
}

/// The CSV of an export of one version: header and rows.
async fn export_csv(app: &TestApp, version: i64) -> (Vec<String>, Vec<Vec<String>>, Value) {
    use server::export::{self, ExportRequest, Formats, UnitName};
    let ids = crate::store_fn!(app, accounts::all_station_ids(pool)).unwrap();
    let stations = crate::store_fn!(app, dashboard::stations(conn, &ids)).unwrap();
    let today = chrono::Utc::now().date_naive();
    let survey = crate::store_fn!(app, survey::load(pool, version)).unwrap().unwrap();
    let req = ExportRequest {
        stations: stations.iter().map(|s| s.code.clone()).collect(),
        station_ids: ids,
        regions: vec![],
        from: domain::time::calendar::month_start(today - chrono::Duration::days(40)),
        to: domain::time::calendar::month_end(today + chrono::Duration::days(10)),
        survey_version: version,
        unit: UnitName::Month,
        formats: Formats::parse("csv").unwrap(),
        include_suspect: false,
        k: domain::K::new(5),
        xlsx_rows_per_sheet: export::XLSX_MAX_ROWS,
    };
    let out = app.dir.path().join(format!("export-v{version}.zip"));
    export::export_zip(&app.db, &survey, &req, "test", &out, std::sync::Arc::new(|_, _| {})).await.unwrap();
    let files = zip_files(&out);
    let mut csv = csv::Reader::from_reader(&files["responses.csv"][..]);
    let header: Vec<String> = csv.headers().unwrap().iter().map(str::to_string).collect();
    let rows = csv.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect();
    let codebook = serde_json::from_slice(&files["codebook.json"]).unwrap();
    (header, rows, codebook)
}

#[tokio::test]
async fn answers_keep_their_version_in_dashboards_and_exports() {
    let app = spawn_app().await;
    let (station, token) = app.station_with_tablet("LIM-01").await;
    // Five answers under version 1, released together.
    for _ in 0..5 {
        assert_eq!(app.submit(&token, &full_answers(&new_id())).await.status(), 201);
    }
    app.release().await;
    // Version 2: the waiting time is no longer asked; "accessible" is new.
    let client = admin(&app).await;
    let v = start_draft(&app, &client).await;
    assert_eq!(
        post(&app, &client, &format!("/admin/survey/{v}/questions/waiting_time/remove"), &[]).await.status(),
        303
    );
    let resp =
        post(&app, &client, &format!("/admin/survey/{v}/questions"), &[("key", "accessible"), ("kind", "scale4")])
            .await;
    assert_eq!(resp.status(), 303);
    let texts = [
        ("kind", "scale4"),
        ("text:es", "¿Pudiste moverte con facilidad por la comisaría?"),
        ("child:es", "¿Pudiste moverte bien?"),
        ("text:en", "Could you move around the station easily?"),
        ("child:en", "Could you move around well?"),
    ];
    assert_eq!(post(&app, &client, &format!("/admin/survey/{v}/questions/accessible"), &texts).await.status(), 303);
    assert_eq!(post(&app, &client, &format!("/admin/survey/{v}/publish"), &[]).await.status(), 303);
    let survey = tablet_survey(&app, &token).await;
    assert_eq!(survey["version"], 2);
    // Five answers under version 2, released together.
    for _ in 0..5 {
        assert_eq!(app.submit(&token, &v2_answers(&new_id())).await.status(), 201);
    }
    // Version 2 does not ask the waiting time any more.
    let mut stale = v2_answers(&new_id());
    stale["answers"]["waiting_time"] = json!("30-60");
    assert_eq!(app.submit(&token, &stale).await.status(), 422);
    app.release().await;
    assert_eq!(crate::store_fn!(app, responses::released_count(pool, station)).unwrap(), 10);

    // Released rows keep their version.
    let by_version: Vec<(i64, i64)> = app
        .rows("SELECT survey_version, COUNT(*) FROM responses GROUP BY survey_version ORDER BY survey_version", &[])
        .await;
    assert_eq!(by_version, [(1, 5), (2, 5)]);

    // The dashboard: v1's question counted from v1 answers only, v2's from v2 answers only.
    let this_week =
        domain::IsoWeek::parse(&domain::time::calendar::iso_week_label(chrono::Utc::now(), "America/Lima")).unwrap();
    let all = domain::DashboardFilters::last_weeks(this_week);
    let report =
        crate::store_fn!(app, dashboard::station_report(pool, station, &all, domain::K::new(5))).unwrap().unwrap();
    let count = |d: &[domain::Distribution], q: &str, value: &str| {
        d.iter()
            .find(|d| d.question_key == q)
            .unwrap_or_else(|| panic!("{q} in the report"))
            .values
            .iter()
            .find(|c| c.value == value)
            .map(|c| c.count)
    };
    use domain::Shown::Value as V;
    assert_eq!(report.responses, V(10));
    assert_eq!(count(&report.single_choices, "waiting_time", "30-60"), Some(V(5)), "the five v1 answers");
    assert_eq!(count(&report.scales, "accessible", "3"), Some(V(5)), "the five v2 answers");
    assert_eq!(count(&report.scales, "respect", "4"), Some(V(5)));
    assert_eq!(count(&report.scales, "respect", "2"), Some(V(5)));
    let only_v1 = domain::DashboardFilters::parse(all.from(), all.to(), Some(1), None, false).unwrap();
    let report =
        crate::store_fn!(app, dashboard::station_report(pool, station, &only_v1, domain::K::new(5))).unwrap().unwrap();
    assert_eq!(report.responses, V(5));
    assert!(report.scales.iter().all(|d| d.question_key != "accessible"), "version 1 never asked it");

    // The station page says which versions its figures come from.
    let (status, html) = get(&app, &client, "/dashboard/station/LIM-01").await;
    assert_eq!(status, 200);
    assert!(html.contains("Encuesta: versiones 1 y 2."), "{html}");
    assert!(html.contains("accessible (v2)") && html.contains("waiting_time (v1)"), "{html}");
    assert!(html.contains("¿Pudiste moverte con facilidad por la comisaría?"), "v2's question is labelled");
    assert!(html.contains("¿Cuánto tiempo esperaste?"), "v1's question is labelled");
    let (_, html) = get(&app, &client, "/dashboard/station/LIM-01?version=2").await;
    assert!(html.contains("Encuesta: versión 2.") && !html.contains("survey-versions-note"));

    // The exports: each version's rows carry it, with that version's questions.
    let (header, rows, codebook) = export_csv(&app, 1).await;
    let at = |name: &str| header.iter().position(|h| h == name);
    assert_eq!(rows.len(), 5);
    assert!(rows.iter().all(|r| r[at("survey_version").unwrap()] == "1"));
    assert!(at("waiting_time").is_some() && at("accessible").is_none());
    assert!(rows.iter().all(|r| r[at("waiting_time").unwrap()] == "3"), "30-60 is the third choice");
    let versions = codebook["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!((versions[0]["version"].as_i64(), versions[0]["exported"].as_bool()), (Some(1), Some(true)));
    let keys = |v: &Value| {
        v["questions"].as_array().unwrap().iter().map(|q| q["key"].as_str().unwrap().to_string()).collect::<Vec<_>>()
    };
    assert!(keys(&versions[0]).contains(&"waiting_time".into()) && !keys(&versions[0]).contains(&"accessible".into()));
    assert!(keys(&versions[1]).contains(&"accessible".into()) && !keys(&versions[1]).contains(&"waiting_time".into()));

    let (header, rows, codebook) = export_csv(&app, 2).await;
    let at = |name: &str| header.iter().position(|h| h == name);
    assert_eq!(rows.len(), 5);
    assert!(rows.iter().all(|r| r[at("survey_version").unwrap()] == "2" && r[at("accessible").unwrap()] == "3"));
    assert!(at("waiting_time").is_none());
    assert_eq!(codebook["versions"][1]["exported"], true);
    assert_eq!(
        codebook["versions"][1]["questions"].as_array().unwrap().iter().find(|q| q["key"] == "accessible").unwrap()
            ["text"]["en"],
        "Could you move around the station easily?"
    );
}
