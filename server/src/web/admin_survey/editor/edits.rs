//! The editor's POST handlers: save, add, move and remove a question; publish or
//! discard the draft. Each checks the form token and the role, refuses a published
//! version, and writes an audit line for what it changed.

use super::fields::{observable_error, validate_question};
use super::page::render_editor;
use super::{edit_refusal, editor_href, no_such_question, yes_no, EditorState, Typed};
use crate::web::admin::lang_of;
use crate::web::admin_survey::{
    draft_or_refusal, key_error, kind_label, no_such_version, problem_lines, published_refusal,
};
use crate::web::kit::{Admin, CheckedForm, PageResult, Pairs};
use crate::web::layout::Lang;
use crate::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use domain::{QuestionKey, QuestionKind};
use std::collections::BTreeMap;
use store::audit::Entry;
use store::survey::{Edit, Publication};
use store::Surveys;

pub async fn save_question(
    State(state): State<AppState>,
    Admin(staff): Admin,
    Path((version, key)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    CheckedForm(fields): CheckedForm<Pairs>,
) -> PageResult {
    let lang = lang_of(raw.as_deref());
    let fields = fields.into_map();
    let survey = draft_or_refusal(&state, &staff, lang, &version).await?;
    let v = survey.version;
    let Some(question) = survey.question(&key).cloned() else { return Ok(no_such_question(lang, &staff, &key)) };
    let history = Surveys::published_kinds(&state.db, &key).await?;
    let (change, changes) = match validate_question(lang, &question, &history, &fields) {
        Ok(c) => c,
        Err(errors) => {
            let st = EditorState { question: Some((key, Typed { fields, errors })), ..Default::default() };
            return render_editor(&state, &staff, lang, &survey, st, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let target = format!("v{v}/{key}");
    let audit = |_: &Edit| {
        (!changes.is_empty()).then(|| Entry::new(&staff.user.email, "survey.edit", &target, changes.join("; ")))
    };
    match Surveys::update_question(&state.db, v, &key, &change, audit).await? {
        Edit::Done => {}
        other => {
            if let Some(r) = edit_refusal(lang, &staff, v, &key, other) {
                return Ok(r);
            }
        }
    }
    Ok(Redirect::to(&editor_href(lang, v, Some(&key))).into_response())
}

// ---------------------------------------------------------------- adding, moving, removing

pub async fn add_question(
    State(state): State<AppState>,
    Admin(staff): Admin,
    Path(version): Path<String>,
    RawQuery(raw): RawQuery,
    CheckedForm(fields): CheckedForm<Pairs>,
) -> PageResult {
    let lang = lang_of(raw.as_deref());
    let fields = fields.into_map();
    let survey = draft_or_refusal(&state, &staff, lang, &version).await?;
    let v = survey.version;
    let mut errors = BTreeMap::new();
    let key = match QuestionKey::parse(fields.get("key").map(String::as_str).unwrap_or("")) {
        Ok(k) => Some(k),
        Err(e) => {
            errors.insert("key".to_string(), key_error(lang, &e));
            None
        }
    };
    let kind = match QuestionKind::parse(fields.get("kind").map(String::as_str).unwrap_or("").trim()) {
        Ok(k) => Some(k),
        Err(_) => {
            errors.insert("kind".into(), lang.t("Elige cómo se responde.", "Choose how it is answered.").into());
            None
        }
    };
    let in_index = fields.contains_key("in_index");
    if in_index && kind.is_some_and(|k| k != QuestionKind::Scale4) {
        errors.insert(
            "in_index".into(),
            lang.t(
                "Solo una escala de caras cuenta para el índice de dignidad.",
                "Only a face scale counts toward the dignity index.",
            )
            .into(),
        );
    }
    let observable = fields.contains_key("observable");
    if let Some(e) = kind.and_then(|k| observable_error(lang, k, observable)) {
        errors.insert("observable".into(), e);
    }
    if let Some(k) = &key {
        if survey.question(k.as_ref()).is_some() {
            errors.insert(
                "key".into(),
                match lang {
                    Lang::Es => format!("Ya hay una pregunta «{k}» en el borrador."),
                    Lang::En => format!("There is already a question “{k}” in the draft."),
                },
            );
        } else if let Some(kind) = kind {
            let history = Surveys::published_kinds(&state.db, k.as_ref()).await?;
            if let Some((before_v, before)) = history.iter().find(|(_, b)| *b != kind) {
                errors.insert(
                    "kind".into(),
                    match lang {
                        Lang::Es => format!(
                            "En la versión {before_v}, «{k}» se respondía con «{}»: una clave significa lo mismo en todas las versiones. Elige ese tipo u otra clave.",
                            kind_label(lang, *before)
                        ),
                        Lang::En => format!(
                            "In version {before_v}, “{k}” was answered with “{}”: a key means the same in every version. Choose that kind or another key.",
                            kind_label(lang, *before)
                        ),
                    },
                );
            }
        }
    }
    let (Some(key), Some(kind), true) = (key, kind, errors.is_empty()) else {
        let st = EditorState { new_question: Typed { fields, errors }, ..Default::default() };
        return render_editor(&state, &staff, lang, &survey, st, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let mut detail = format!("question added: {}, in_index {}", kind.code(), yes_no(in_index));
    if observable {
        detail.push_str(", observable yes");
    }
    let audit = Entry::new(&staff.user.email, "survey.edit", format!("v{v}/{key}"), detail);
    match Surveys::add_question(&state.db, v, &key, kind, in_index, observable, &audit).await? {
        Edit::Done => {}
        Edit::KeyTaken => {
            let mut errors = BTreeMap::new();
            errors.insert(
                "key".into(),
                match lang {
                    Lang::Es => format!("Ya hay una pregunta «{key}» en el borrador."),
                    Lang::En => format!("There is already a question “{key}” in the draft."),
                },
            );
            let st = EditorState { new_question: Typed { fields, errors }, ..Default::default() };
            return render_editor(&state, &staff, lang, &survey, st, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        other => {
            if let Some(r) = edit_refusal(lang, &staff, v, key.as_ref(), other) {
                return Ok(r);
            }
        }
    }
    Ok(Redirect::to(&editor_href(lang, v, Some(key.as_ref()))).into_response())
}

pub async fn move_question(
    State(state): State<AppState>,
    Admin(staff): Admin,
    Path((version, key)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    CheckedForm(fields): CheckedForm<Pairs>,
) -> PageResult {
    let lang = lang_of(raw.as_deref());
    let fields = fields.into_map();
    let survey = draft_or_refusal(&state, &staff, lang, &version).await?;
    let v = survey.version;
    let up = match fields.get("direction").map(String::as_str) {
        Some("up") => true,
        Some("down") => false,
        _ => {
            let st = EditorState {
                errors: vec![lang
                    .t("Di si la pregunta sube o baja.", "Say whether the question moves up or down.")
                    .into()],
                ..Default::default()
            };
            return render_editor(&state, &staff, lang, &survey, st, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let detail = if up { "moved up" } else { "moved down" };
    let audit = Entry::new(&staff.user.email, "survey.edit", format!("v{v}/{key}"), detail);
    match Surveys::move_question(&state.db, v, &key, up, &audit).await? {
        Edit::Done => {}
        other => {
            if let Some(r) = edit_refusal(lang, &staff, v, &key, other) {
                return Ok(r);
            }
        }
    }
    Ok(Redirect::to(&editor_href(lang, v, Some(&key))).into_response())
}

pub async fn remove_question(
    State(state): State<AppState>,
    Admin(staff): Admin,
    Path((version, key)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    CheckedForm(_): CheckedForm<Pairs>,
) -> PageResult {
    let lang = lang_of(raw.as_deref());
    let survey = draft_or_refusal(&state, &staff, lang, &version).await?;
    let v = survey.version;
    let Some(question) = survey.question(&key) else { return Ok(no_such_question(lang, &staff, &key)) };
    if question.profile {
        let st = EditorState {
            errors: vec![match lang {
                Lang::Es => {
                    format!("«{key}» es un dato de perfil: el quiosco y los paneles lo necesitan, no se quita.")
                }
                Lang::En => {
                    format!("“{key}” is a profile item: the kiosk and the dashboards need it; it is not removed.")
                }
            }],
            ..Default::default()
        };
        return render_editor(&state, &staff, lang, &survey, st, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let audit = Entry::new(&staff.user.email, "survey.edit", format!("v{v}/{key}"), "question removed");
    match Surveys::remove_question(&state.db, v, &key, &audit).await? {
        Edit::Done => {}
        other => {
            if let Some(r) = edit_refusal(lang, &staff, v, &key, other) {
                return Ok(r);
            }
        }
    }
    Ok(Redirect::to(&editor_href(lang, v, None)).into_response())
}

// ---------------------------------------------------------------- publishing, discarding

pub async fn publish(
    State(state): State<AppState>,
    Admin(staff): Admin,
    Path(version): Path<String>,
    RawQuery(raw): RawQuery,
    CheckedForm(_): CheckedForm<Pairs>,
) -> PageResult {
    let lang = lang_of(raw.as_deref());
    let survey = draft_or_refusal(&state, &staff, lang, &version).await?;
    let v = survey.version;
    let audit = |p: &Publication| match p {
        Publication::Published { offered } => {
            let codes: Vec<&str> = offered.iter().map(|l| l.code()).collect();
            let detail = format!("published; offered in {}", codes.join(", "));
            Some(Entry::new(&staff.user.email, "survey.publish", format!("v{v}"), detail))
        }
        _ => None,
    };
    match Surveys::publish(&state.db, v, audit).await? {
        Publication::Published { .. } => {
            Ok(Redirect::to(&format!("/admin/survey?lang={}", lang.code())).into_response())
        }
        Publication::Refused(problems) => {
            let mut errors = vec![match lang {
                Lang::Es => format!("No se publicó la versión {v}: falta lo siguiente."),
                Lang::En => format!("Version {v} was not published: it lacks the following."),
            }];
            errors.extend(problem_lines(lang, &problems));
            let st = EditorState { errors, ..Default::default() };
            render_editor(&state, &staff, lang, &survey, st, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Publication::AlreadyPublished => Ok(published_refusal(lang, &staff, v)),
        Publication::NoSuchVersion => Ok(no_such_version(lang, &staff, &version)),
    }
}

pub async fn discard(
    State(state): State<AppState>,
    Admin(staff): Admin,
    Path(version): Path<String>,
    RawQuery(raw): RawQuery,
    CheckedForm(_): CheckedForm<Pairs>,
) -> PageResult {
    let lang = lang_of(raw.as_deref());
    let survey = draft_or_refusal(&state, &staff, lang, &version).await?;
    let v = survey.version;
    let audit = Entry::new(&staff.user.email, "survey.discard", format!("v{v}"), "draft discarded");
    match Surveys::discard_draft(&state.db, v, &audit).await? {
        Edit::Done => {}
        other => {
            if let Some(r) = edit_refusal(lang, &staff, v, "", other) {
                return Ok(r);
            }
        }
    }
    Ok(Redirect::to(&format!("/admin/survey?lang={}", lang.code())).into_response())
}
