//! The words on the dashboards that come from the surveys: which versions the figures
//! come from, and the texts of questions and choices in the page's language.

use super::query::Ctx;
use crate::web::layout::Lang;
use crate::AppState;
use domain::{Language, Survey};

pub(super) async fn versions(state: &AppState) -> Vec<i64> {
    store::Surveys::published_versions(&state.db).await.unwrap_or_default()
}

/// The survey whose texts label the charts: the filtered version, else the current one
/// with the questions only older versions have (labelled from the newest that has them).
pub(super) async fn label_survey(state: &AppState, ctx: &Ctx) -> Option<Survey> {
    let version = match ctx.filters.survey_version() {
        Some(v) => Some(v),
        None => store::Surveys::current_version(&state.db).await.ok().flatten(),
    }?;
    let mut survey = store::Surveys::load(&state.db, version).await.ok().flatten()?;
    if ctx.filters.survey_version().is_none() {
        let older = store::Surveys::published_versions(&state.db).await.unwrap_or_default();
        for v in older.into_iter().rev().filter(|v| *v != version) {
            if let Ok(Some(old)) = store::Surveys::load(&state.db, v).await {
                let new: Vec<_> = old.questions.into_iter().filter(|q| survey.question(&q.key).is_none()).collect();
                survey.questions.extend(new);
            }
        }
    }
    Some(survey)
}

/// Which survey versions a station's figures come from ("Encuesta: versiones 1 y 2"),
/// and, when they mix versions, the questions that only some of them asked.
pub(super) async fn versions_line(state: &AppState, ctx: &Ctx, station_id: i64) -> (String, Option<String>) {
    let lang = ctx.lang;
    let versions =
        store::Surveys::versions_with_responses(&state.db, station_id, &ctx.filters).await.unwrap_or_default();
    let list = |vs: &[i64]| {
        let names: Vec<String> = vs.iter().map(i64::to_string).collect();
        match names.split_last() {
            None => String::new(),
            Some((last, [])) => last.clone(),
            Some((last, rest)) => format!("{} {} {last}", rest.join(", "), lang.t("y", "and")),
        }
    };
    let line = match (versions.len(), lang) {
        (0, Lang::Es) => "Encuesta: sin respuestas publicadas en este periodo.".to_string(),
        (0, Lang::En) => "Survey: no released responses in this period.".to_string(),
        (1, Lang::Es) => format!("Encuesta: versión {}.", list(&versions)),
        (1, Lang::En) => format!("Survey: version {}.", list(&versions)),
        (_, Lang::Es) => format!("Encuesta: versiones {}.", list(&versions)),
        (_, Lang::En) => format!("Survey: versions {}.", list(&versions)),
    };
    if versions.len() < 2 {
        return (line, None);
    }
    let held = store::Surveys::question_versions(&state.db).await.unwrap_or_default();
    let partial: Vec<String> = held
        .iter()
        .filter_map(|(key, in_versions)| {
            let asked: Vec<i64> = versions.iter().copied().filter(|v| in_versions.contains(v)).collect();
            (!asked.is_empty() && asked.len() < versions.len()).then(|| format!("{key} (v{})", list(&asked)))
        })
        .collect();
    let note = (!partial.is_empty()).then(|| match lang {
        Lang::Es => format!(
            "Preguntas que no estaban en todas esas versiones: {}. Sus respuestas vienen solo de esas versiones, pero \
             sus porcentajes son del total de respuestas: las de las demás versiones cuentan como no contestadas. \
             Elige una versión en los filtros para verlas por separado.",
            partial.join("; ")
        ),
        Lang::En => format!(
            "Questions not in all those versions: {}. Their answers come only from those versions, but their shares \
             are of all responses: those under the other versions count as unanswered. Choose a version in the \
             filters to see them apart.",
            partial.join("; ")
        ),
    });
    (line, note)
}

fn survey_lang(lang: Lang) -> Language {
    match lang {
        Lang::Es => Language::Es,
        Lang::En => Language::En,
    }
}

/// What a release withheld so that no visitor stood out (`domain::release`).
pub(super) fn withheld_text(lang: Lang) -> &'static str {
    lang.t("No registrado (privacidad)", "Not recorded (privacy)")
}

pub(super) fn question_text(survey: Option<&Survey>, lang: Lang, key: &str) -> String {
    survey
        .and_then(|s| s.question(key))
        .map(|q| domain::text_in(&q.text, survey_lang(lang)))
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| key.to_string())
}

pub(super) fn choice_text(survey: Option<&Survey>, lang: Lang, question: &str, choice: &str) -> String {
    if choice == domain::privacy::release::WITHHELD {
        return withheld_text(lang).to_string();
    }
    survey
        .and_then(|s| s.question(question))
        .and_then(|q| q.choice(choice))
        .map(|c| domain::text_in(&c.text, survey_lang(lang)))
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| choice.to_string())
}
