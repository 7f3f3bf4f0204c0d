//! The kiosk's survey API: the current published version, its languages, and never a
//! draft.
use crate::helpers::{full_answers, new_id, spawn_app};
use serde_json::Value;

#[tokio::test]
async fn an_enrolled_tablet_gets_the_current_survey() {
    let app = spawn_app().await;
    let (_, token) = app.station_with_tablet("LIM-01").await;
    let resp = app.client.get(app.url("/api/v1/survey")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let survey: Value = resp.json().await.unwrap();
    assert_eq!(survey["version"], 1);
    assert_eq!(survey["languages"], serde_json::json!(["es", "en"]), "Quechua and Aymara wait for review");
    let keys: Vec<&str> = survey["questions"].as_array().unwrap().iter().map(|q| q["key"].as_str().unwrap()).collect();
    assert_eq!(
        keys,
        [
            "respect",
            "believed",
            "informed",
            "privacy",
            "language",
            "safety",
            "waiting_time",
            "overall",
            "improve",
            "respondent",
            "age_band"
        ]
    );
    let respect = &survey["questions"][0];
    assert_eq!(respect["kind"], "scale4");
    assert_eq!(respect["text"]["es"], "¿Te trataron con respeto?");
    assert!(respect["child_text"]["en"].is_string());
    assert_eq!(survey["questions"][6]["choices"][1]["key"], "15-30");
    assert_eq!(survey["questions"][8]["kind"], "multi");
}

#[tokio::test]
async fn a_language_is_offered_once_enabled() {
    let app = spawn_app().await;
    let (_, token) = app.station_with_tablet("LIM-01").await;
    crate::store_fn!(app, survey::set_language_enabled(pool, domain::Language::Qu, true)).unwrap();
    let survey: Value =
        app.client.get(app.url("/api/v1/survey")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(survey["languages"], serde_json::json!(["es", "qu", "en"]));
}

#[tokio::test]
async fn no_survey_without_a_valid_token() {
    let app = spawn_app().await;
    let (_, token) = app.station_with_tablet("LIM-01").await;
    let no_token = app.client.get(app.url("/api/v1/survey")).send().await.unwrap();
    assert_eq!(no_token.status(), 401);
    assert_eq!(no_token.headers()["www-authenticate"], "Bearer");
    let wrong = app.client.get(app.url("/api/v1/survey")).bearer_auth("not-a-token").send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    crate::store_fn!(app, tablets::revoke(pool, &server::auth::secret_hash(&token))).unwrap();
    let revoked = app.client.get(app.url("/api/v1/survey")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(revoked.status(), 401);
}

#[tokio::test]
async fn the_openapi_document_describes_the_api() {
    let app = spawn_app().await;
    let doc: Value = app.client.get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in ["/api/v1/tablets/enroll", "/api/v1/survey", "/api/v1/responses"] {
        assert!(doc["paths"][path].is_object(), "{path} missing from {doc}");
    }
    assert!(doc["components"]["schemas"]["SubmissionBody"].is_object());
    assert!(doc["components"]["securitySchemes"]["tablet_token"].is_object());
}

#[tokio::test]
async fn a_draft_is_neither_served_nor_answered() {
    let app = spawn_app().await;
    let (_, token) = app.station_with_tablet("LIM-01").await;
    let started = crate::store_fn!(app, survey::start_draft(conn)).unwrap();
    assert_eq!(started, store_sqlite::survey::DraftStart::Started { draft: 2, from: 1 });
    let survey: Value =
        app.client.get(app.url("/api/v1/survey")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(survey["version"], 1, "tablets keep the published version");
    let mut body = full_answers(&new_id());
    body["survey_version"] = serde_json::json!(2);
    let resp = app.submit(&token, &body).await;
    assert_eq!(resp.status(), 422, "answers under a draft are refused");
    assert_eq!(app.count("SELECT COUNT(*) FROM pending_responses").await, 0);
}

#[tokio::test]
async fn the_default_survey_is_complete_in_spanish_and_english_and_drafts_in_quechua_and_aymara() {
    use domain::{Language, ReviewState};
    let app = spawn_app().await;
    let survey = crate::store_fn!(app, survey::load(pool, 1)).unwrap().expect("the default survey");
    let texts = crate::store_fn!(app, survey::text_rows(pool, 1)).unwrap();
    // Every question text and choice label, in both wordings.
    let expected = survey.questions.iter().map(|q| 1 + q.choices.len()).sum::<usize>();
    assert_eq!(expected, 28, "11 questions and 17 choices");
    for lang in [Language::Es, Language::En] {
        assert_eq!(survey.missing_in(lang), vec![], "{lang} is complete");
        let rows: Vec<_> = texts.iter().filter(|t| t.language == lang).collect();
        assert_eq!(rows.len(), expected, "{lang}: one text for every question and choice");
        for t in rows {
            assert_eq!(t.review, ReviewState::Reviewed, "{lang} {}/{} is final", t.question_key, t.choice_key);
        }
    }
    for q in &survey.questions {
        for lang in [Language::Es, Language::En] {
            assert!(q.text.get(&lang).is_some_and(|t| !t.trim().is_empty()), "{} in {lang}", q.key);
            assert!(q.child_text.get(&lang).is_some_and(|t| !t.trim().is_empty()), "{} (child) in {lang}", q.key);
            for c in &q.choices {
                assert!(c.text.get(&lang).is_some_and(|t| !t.trim().is_empty()), "{}/{} in {lang}", q.key, c.key);
            }
        }
    }
    // Quechua and Aymara are drafts: every text of theirs awaits a native speaker.
    for lang in [Language::Qu, Language::Ay] {
        let rows: Vec<_> = texts.iter().filter(|t| t.language == lang).collect();
        assert!(!rows.is_empty(), "{lang} has draft texts");
        for t in &rows {
            assert_ne!(
                t.review,
                ReviewState::Reviewed,
                "{lang} {}/{} is marked reviewed",
                t.question_key,
                t.choice_key
            );
        }
        let unreviewed = crate::store_fn!(app, survey::texts_needing_review(pool, 1, lang)).unwrap();
        assert_eq!(unreviewed, rows.len() as i64, "{lang}: the catalog counts them as needing review");
    }
    // And they are not offered to visitors until an administrator enables them.
    let enabled = crate::store_fn!(app, survey::enabled_languages(pool)).unwrap();
    assert!(enabled.contains(&Language::Es) && enabled.contains(&Language::En), "{enabled:?}");
    assert!(!enabled.contains(&Language::Qu) && !enabled.contains(&Language::Ay), "{enabled:?}");
}

/// A value the database should never hold (here a question kind Digna does not know,
/// written past the schema's checks) is a `Corrupt` error of the store, never a guess and
/// never passed off as a database failure.
#[tokio::test]
async fn a_value_that_does_not_parse_is_a_corrupt_store_error() {
    let app = spawn_app().await;
    let past_the_checks: &[&str] = if crate::helpers::on_postgres() {
        &[
            "ALTER TABLE questions DISABLE TRIGGER questions_of_published_versions_stay",
            "ALTER TABLE questions DROP CONSTRAINT questions_kind_check",
            "UPDATE questions SET kind = 'slider' WHERE survey_version = 1 AND key = 'respect'",
        ]
    } else {
        &[
            "PRAGMA ignore_check_constraints = ON",
            "DROP TRIGGER questions_of_published_versions_stay",
            "UPDATE questions SET kind = 'slider' WHERE survey_version = 1 AND key = 'respect'",
            "PRAGMA ignore_check_constraints = OFF",
        ]
    };
    if crate::helpers::on_postgres() {
        for sql in past_the_checks {
            app.execute(sql, &[]).await.unwrap();
        }
    } else {
        // One connection: the pragma holds for it only.
        let mut conn = app.pool.acquire().await.unwrap();
        for sql in past_the_checks {
            sqlx::query(sql).execute(&mut *conn).await.unwrap();
        }
    }
    match store::Surveys::load(&app.db, 1).await {
        Err(store::Error::Corrupt(why)) => assert!(why.contains("slider"), "{why}"),
        other => panic!("expected a corrupt-store error, got {other:?}"),
    }
}
