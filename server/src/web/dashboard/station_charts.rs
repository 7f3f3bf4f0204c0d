//! The charts of a station's page: the index by week, the answers to every face-scale
//! question, and the counts of the waiting time and of what to improve.

use super::labels::{choice_text, question_text};
use super::query::Ctx;
use super::view::Chart;
use crate::charts::{self, ChartText, Series};
use crate::web::layout::Lang;
use domain::{IsoWeek, Shown, StationReport, Survey};

const FACES: [&str; 5] = ["1", "2", "3", "4", domain::RATHER_NOT];

fn face_label(lang: Lang, value: &str) -> &'static str {
    match value {
        "1" => lang.t("Muy mal", "Very bad"),
        "2" => lang.t("Mal", "Bad"),
        "3" => lang.t("Bien", "Good"),
        "4" => lang.t("Muy bien", "Very good"),
        _ => lang.t("Prefiero no responder", "Rather not answer"),
    }
}

pub(super) fn station_charts(ctx: &Ctx, report: &StationReport, survey: Option<&Survey>) -> Vec<Chart> {
    let lang = ctx.lang;
    let code = &report.station.code;
    let fewer = ctx.fewer();
    let weeks = ctx.filters.weeks();
    let week_labels: Vec<String> = weeks.iter().map(|w| w.to_string()).collect();
    let find = |w: &IsoWeek| report.weeks.iter().find(|r| r.week == *w);
    let points: Vec<Option<f64>> = weeks.iter().map(|w| find(w).and_then(|r| r.index.value())).collect();
    let counts: Vec<Option<i64>> = weeks.iter().map(|w| find(w).and_then(|r| r.responses.value())).collect();
    let drawn: Vec<f64> = points.iter().flatten().copied().collect();
    let hidden = report.weeks.iter().filter(|r| r.index.is_suppressed()).count();
    let summary = match lang {
        Lang::Es => format!(
            "Índice de dignidad de {code} por semana, {}: {} semanas con datos{}{}; las semanas sin respuestas publicadas quedan en blanco.",
            ctx.period(),
            drawn.len(),
            range_text(ctx, &drawn, " (de ", " a ", ")"),
            if hidden > 0 { format!(", {hidden} ocultas por tener {fewer}") } else { String::new() },
        ),
        Lang::En => format!(
            "Dignity index of {code} by week, {}: {} weeks with data{}{}; weeks without released responses are left blank.",
            ctx.period(),
            drawn.len(),
            range_text(ctx, &drawn, " (from ", " to ", ")"),
            if hidden > 0 { format!(", {hidden} hidden for having {fewer}") } else { String::new() },
        ),
    };
    let title = match lang {
        Lang::Es => format!("Índice de dignidad por semana · {code}"),
        Lang::En => format!("Dignity index by week · {code}"),
    };
    let index_chart = Chart {
        name: "index",
        svg: charts::index_line_chart(
            &week_labels,
            &[Series { label: code, points: points.clone() }],
            Some(&counts),
            &ChartText {
                title: &title,
                x_label: lang.t("Semana ISO", "ISO week"),
                y_label: lang.t("Índice (0–100)", "Index (0–100)"),
                summary: &summary,
            },
        ),
        headers: vec![
            lang.t("Semana", "Week").into(),
            lang.t("Respuestas", "Responses").into(),
            lang.t("Índice", "Index").into(),
        ],
        rows: report
            .weeks
            .iter()
            .map(|r| vec![r.week.to_string(), ctx.shown_count(&r.responses), ctx.shown_index(&r.index)])
            .collect(),
    };

    // Answers to every face-scale question, as 100 % bars.
    let segment_labels: Vec<String> = FACES.iter().map(|v| face_label(lang, v).to_string()).collect();
    // Shares are of every response, so the known faces keep their true width when
    // others are hidden (the hidden rest is drawn as one hatched band).
    let total = report.responses.value().and_then(|n| u64::try_from(n).ok());
    let rows: Vec<charts::StackedRow> = report
        .scales
        .iter()
        .map(|d| {
            let segments = FACES
                .iter()
                .map(|v| {
                    d.values
                        .iter()
                        .find(|c| c.value == *v)
                        .map_or(Some(0), |c| c.count.value().map(|n| u64::try_from(n).unwrap_or(0)))
                })
                .collect();
            charts::StackedRow { label: question_text(survey, lang, &d.question_key), segments, total }
        })
        .collect();
    let answers_title = match lang {
        Lang::Es => format!("Respuestas por pregunta · {code}"),
        Lang::En => format!("Answers by question · {code}"),
    };
    let answers_summary = match lang {
        Lang::Es => format!("Reparto de las respuestas a {} preguntas, de «Muy mal» a «Muy bien», {}. Las respuestas con {fewer} se muestran juntas como «{fewer}».", rows.len(), ctx.period()),
        Lang::En => format!("How {} questions were answered, from “Very bad” to “Very good”, {}. Answers with {fewer} are shown together as “{fewer}”.", rows.len(), ctx.period()),
    };
    let mut headers = vec![lang.t("Pregunta", "Question").to_string()];
    headers.extend(segment_labels.iter().cloned());
    let table_rows = report
        .scales
        .iter()
        .map(|d| {
            let mut row = vec![question_text(survey, lang, &d.question_key)];
            row.extend(FACES.iter().map(|v| {
                d.values.iter().find(|c| c.value == *v).map_or("0".to_string(), |c| ctx.shown_count(&c.count))
            }));
            row
        })
        .collect();
    let answers_chart = Chart {
        name: "answers",
        svg: charts::stacked_bars(
            &rows,
            &segment_labels,
            &fewer,
            &ChartText {
                title: &answers_title,
                x_label: lang.t("Porcentaje de respuestas", "Share of answers"),
                y_label: "",
                summary: &answers_summary,
            },
        ),
        headers,
        rows: table_rows,
    };

    let mut out = vec![index_chart, answers_chart];
    // Waiting time bands, and the improvement pick-list ranked.
    for d in report.single_choices.iter().filter(|d| d.question_key == "waiting_time") {
        out.push(count_chart(
            ctx,
            "waiting",
            &question_text(survey, lang, &d.question_key),
            d.values.iter().map(|c| (choice_text(survey, lang, &d.question_key, &c.value), c.count)).collect(),
            code,
        ));
    }
    for p in report.pick_lists.iter().filter(|p| p.question_key == "improve") {
        out.push(count_chart(
            ctx,
            "improve",
            &question_text(survey, lang, &p.question_key),
            p.choices.iter().map(|c| (choice_text(survey, lang, &p.question_key, &c.value), c.count)).collect(),
            code,
        ));
    }
    out
}

fn range_text(ctx: &Ctx, values: &[f64], open: &str, mid: &str, close: &str) -> String {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if values.is_empty() {
        String::new()
    } else {
        format!("{open}{}{mid}{}{close}", ctx.number(min), ctx.number(max))
    }
}

fn count_chart(ctx: &Ctx, name: &'static str, question: &str, items: Vec<(String, Shown<i64>)>, code: &str) -> Chart {
    let lang = ctx.lang;
    let fewer = ctx.fewer();
    let title = format!("{question} · {code}");
    let shown = items.iter().filter(|(_, c)| !c.is_suppressed()).count();
    let summary = match lang {
        Lang::Es => format!(
            "Cuántas personas eligieron cada opción, {}: {shown} de {} opciones con cifras; las demás tienen {fewer}.",
            ctx.period(),
            items.len()
        ),
        Lang::En => format!(
            "How many people chose each option, {}: {shown} of {} options with figures; the others have {fewer}.",
            ctx.period(),
            items.len()
        ),
    };
    let bars: Vec<(String, Option<f64>)> =
        items.iter().map(|(label, c)| (label.clone(), c.value().map(|n| n as f64))).collect();
    Chart {
        name,
        svg: charts::bars(
            &bars,
            None,
            &fewer,
            &ChartText { title: &title, x_label: lang.t("Personas", "People"), y_label: "", summary: &summary },
        ),
        headers: vec![lang.t("Opción", "Option").into(), lang.t("Personas", "People").into()],
        rows: items.iter().map(|(label, c)| vec![label.clone(), ctx.shown_count(c)]).collect(),
    }
}
