//! The codebook (Markdown and JSON), the anonymization report, the summary with every
//! file's hash, and the label scripts for SPSS, Stata and R.

use super::coding::{Column, ColumnKind};
use super::{ExportRequest, RATHER_NOT_CODE, WITHHELD_CODE, WITHHELD_LABEL};
use domain::{text_in, Language, Report, Survey};
use serde::Serialize;
use std::collections::BTreeMap;

/// (variable, code, label in Spanish) for every coded value of every column.
pub(super) fn value_labels(cols: &[Column], survey: &Survey) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for c in cols {
        match &c.kind {
            ColumnKind::Scale(_) => {
                for (code, label) in scale_labels() {
                    out.push((c.name.clone(), code.to_string(), label.to_string()));
                }
            }
            ColumnKind::Single(q, choices) => {
                let question = survey.question(q);
                for (i, key) in choices.iter().enumerate() {
                    let label = question.and_then(|q| q.choice(key)).map(|c| text_in(&c.text, Language::Es));
                    out.push((c.name.clone(), (i + 1).to_string(), label.unwrap_or_else(|| key.clone())));
                }
                out.push((c.name.clone(), WITHHELD_CODE.to_string(), WITHHELD_LABEL.0.into()));
            }
            ColumnKind::Dummy(..) => {
                out.push((c.name.clone(), "0".into(), "No elegida".into()));
                out.push((c.name.clone(), "1".into(), "Elegida".into()));
            }
            ColumnKind::Suspect => {
                out.push((c.name.clone(), "0".into(), "No".into()));
                out.push((c.name.clone(), "1".into(), "Sospechosa".into()));
            }
            _ => {}
        }
    }
    out
}

pub(super) fn scale_labels() -> [(i64, &'static str); 5] {
    [(1, "Muy mal"), (2, "Mal"), (3, "Bien"), (4, "Muy bien"), (RATHER_NOT_CODE, "Prefiero no responder")]
}

/// The face codes with the words the kiosk shows for them, in every language.
pub(super) fn face_codes() -> Vec<Code> {
    type Label = fn(&app::i18n::KioskTexts) -> &'static str;
    let pick: [(i64, Label); 5] = [
        (1, |t| t.very_bad),
        (2, |t| t.bad),
        (3, |t| t.good),
        (4, |t| t.very_good),
        (RATHER_NOT_CODE, |t| t.rather_not),
    ];
    pick.iter()
        .map(|(code, label)| Code {
            code: code.to_string(),
            labels: Language::ALL
                .iter()
                .map(|l| (l.code().to_string(), label(app::i18n::texts(*l)).to_string()))
                .collect(),
        })
        .collect()
}

/// Every variable of the export, documented.
#[derive(Serialize)]
pub(super) struct Codebook {
    pub(super) title: String,
    pub(super) survey_version: i64,
    pub(super) period: String,
    pub(super) time_unit: String,
    pub(super) stations: Vec<String>,
    pub(super) anonymization: Report,
    pub(super) variables: Vec<Variable>,
    pub(super) missing_values: String,
    /// Every published version's questions, so that exports of different versions can
    /// be read side by side.
    pub(super) versions: Vec<VersionQuestions>,
}

/// A published survey version's questions, as the codebook lists them.
#[derive(Serialize)]
pub(super) struct VersionQuestions {
    pub(super) version: i64,
    /// Whether this export's rows were given under this version.
    pub(super) exported: bool,
    pub(super) questions: Vec<VersionQuestion>,
}

#[derive(Serialize)]
pub(super) struct VersionQuestion {
    pub(super) key: String,
    pub(super) kind: String,
    pub(super) in_index: bool,
    pub(super) text: BTreeMap<String, String>,
}

/// The questions of every published version, oldest first.
pub(super) async fn version_questions(
    db: &crate::Db,
    exported: i64,
) -> crate::export::error::Result<Vec<VersionQuestions>> {
    let mut out = Vec::new();
    for version in store::Surveys::published_versions(db).await? {
        let Some(survey) = store::Surveys::load(db, version).await? else { continue };
        let questions = survey
            .questions
            .iter()
            .map(|q| VersionQuestion {
                key: q.key.clone(),
                kind: q.kind.code().to_string(),
                in_index: q.in_index,
                text: q.text.iter().map(|(l, t)| (l.code().to_string(), t.clone())).collect(),
            })
            .collect();
        out.push(VersionQuestions { version, exported: version == exported, questions });
    }
    Ok(out)
}

#[derive(Serialize)]
pub(super) struct Variable {
    pub(super) name: String,
    pub(super) description: BTreeMap<String, String>,
    pub(super) codes: Vec<Code>,
}

#[derive(Serialize)]
pub(super) struct Code {
    pub(super) code: String,
    pub(super) labels: BTreeMap<String, String>,
}

impl Codebook {
    pub(super) fn new(
        survey: &Survey,
        req: &ExportRequest,
        report: &Report,
        cols: &[Column],
        versions: Vec<VersionQuestions>,
    ) -> Codebook {
        let texts = |t: &domain::Texts| -> BTreeMap<String, String> {
            t.iter().map(|(l, s)| (l.code().to_string(), s.clone())).collect()
        };
        let both = |es: &str, en: &str| -> BTreeMap<String, String> {
            BTreeMap::from([("es".to_string(), es.to_string()), ("en".to_string(), en.to_string())])
        };
        let variables = cols
            .iter()
            .map(|c| {
                let (description, codes) = match &c.kind {
                    ColumnKind::Station => (
                        both(
                            "Código de la comisaría; vacío cuando se generalizó a su región",
                            "Station code; empty when generalized to its region",
                        ),
                        vec![],
                    ),
                    ColumnKind::Region => (both("Región de la comisaría", "Region of the station"), vec![]),
                    ColumnKind::SurveyVersion(_) => (
                        both(
                            "Versión de la encuesta con la que se respondió; las preguntas de cada versión están en «versions»",
                            "Survey version the answers were given under; each version's questions are under \"versions\"",
                        ),
                        vec![],
                    ),
                    ColumnKind::Suspect => (
                        both(
                            "Marcada por el quiosco como sospechosa: terminada demasiado rápido o demasiado pronto tras la anterior",
                            "Marked suspect by the kiosk: finished too fast, or too soon after the previous one",
                        ),
                        vec![
                            Code { code: "0".into(), labels: both("No", "No") },
                            Code { code: "1".into(), labels: both("Sospechosa", "Suspect") },
                        ],
                    ),
                    ColumnKind::Period => (
                        both(
                            "Mes de publicación (AAAA-MM), semana ISO (AAAA-Www) o trimestre (AAAA-Qn) si se generalizó",
                            "Month of release (YYYY-MM), ISO week (YYYY-Www), or quarter (YYYY-Qn) when generalized",
                        ),
                        vec![],
                    ),
                    ColumnKind::Language => (
                        both(
                            "Idioma de la encuesta (es, qu, ay, en); «other» si se generalizó",
                            "Survey language (es, qu, ay, en); \"other\" when generalized",
                        ),
                        vec![],
                    ),
                    ColumnKind::Respondent | ColumnKind::AgeBand => {
                        let key = if matches!(c.kind, ColumnKind::Respondent) {
                            domain::RESPONDENT_KEY
                        } else {
                            domain::AGE_BAND_KEY
                        };
                        let q = survey.question(key);
                        let mut codes: Vec<Code> = q
                            .map(|q| {
                                q.choices.iter().map(|ch| Code { code: ch.key.clone(), labels: texts(&ch.text) }).collect()
                            })
                            .unwrap_or_default();
                        if matches!(c.kind, ColumnKind::AgeBand) {
                            codes.push(Code {
                                code: domain::ANY.to_string(),
                                labels: both("Cualquier edad (generalizado)", "Any age (generalized)"),
                            });
                        }
                        (q.map(|q| texts(&q.text)).unwrap_or_default(), codes)
                    }
                    ColumnKind::Scale(q) => (
                        survey.question(q).map(|q| texts(&q.text)).unwrap_or_default(),
                        face_codes(),
                    ),
                    ColumnKind::Single(q, choices) => {
                        let question = survey.question(q);
                        (
                            question.map(|q| texts(&q.text)).unwrap_or_default(),
                            choices
                                .iter()
                                .enumerate()
                                .map(|(i, key)| Code {
                                    code: (i + 1).to_string(),
                                    labels: question
                                        .and_then(|q| q.choice(key))
                                        .map(|ch| texts(&ch.text))
                                        .unwrap_or_default(),
                                })
                                .chain(std::iter::once(Code {
                                    code: WITHHELD_CODE.to_string(),
                                    labels: [("es", WITHHELD_LABEL.0), ("en", WITHHELD_LABEL.1)]
                                        .into_iter()
                                        .map(|(l, t)| (l.to_string(), t.to_string()))
                                        .collect(),
                                }))
                                .collect(),
                        )
                    }
                    ColumnKind::Dummy(q, choice) => {
                        let question = survey.question(q);
                        let mut d = question.map(|q| texts(&q.text)).unwrap_or_default();
                        if let Some(ch) = question.and_then(|q| q.choice(choice)) {
                            for (l, t) in texts(&ch.text) {
                                d.entry(l).and_modify(|s| *s = format!("{s} — {t}")).or_insert(t);
                            }
                        }
                        (
                            d,
                            vec![
                                Code { code: "0".into(), labels: both("No elegida", "Not chosen") },
                                Code { code: "1".into(), labels: both("Elegida", "Chosen") },
                            ],
                        )
                    }
                };
                Variable { name: c.name.clone(), description, codes }
            })
            .collect();
        Codebook {
            title: "Digna: respuestas anonimizadas / anonymized responses".into(),
            survey_version: req.survey_version,
            period: format!("{} – {}", req.from, req.to),
            time_unit: format!("{:?}", report.unit).to_lowercase(),
            stations: req.stations.clone(),
            anonymization: report.clone(),
            variables,
            missing_values: "Empty cell (CSV, XLSX) or null (JSON): question skipped or not shown. \
                             Celda vacía o null: pregunta saltada."
                .into(),
            versions,
        }
    }

    pub(super) fn markdown(&self) -> String {
        let mut md = String::new();
        md.push_str(&format!("# {}\n\n", self.title));
        md.push_str(&format!(
            "- Survey version / versión de la encuesta: {}\n- Period / periodo: {}\n- Time unit / unidad de tiempo: {}\n- Stations / comisarías: {}\n\n",
            self.survey_version,
            self.period,
            self.time_unit,
            self.stations.join(", ")
        ));
        md.push_str("## Anonymization / anonimización\n\n");
        md.push_str(&anonymization_markdown(&self.anonymization));
        md.push_str(&format!("\n## Missing values / valores perdidos\n\n{}\n\n## Variables\n\n", self.missing_values));
        for v in &self.variables {
            md.push_str(&format!("### `{}`\n\n", v.name));
            for (l, d) in &v.description {
                md.push_str(&format!("- {l}: {d}\n"));
            }
            if !v.codes.is_empty() {
                md.push_str("\n| code | labels |\n|---|---|\n");
                for c in &v.codes {
                    let labels: Vec<String> = c.labels.iter().map(|(l, t)| format!("{l}: {t}")).collect();
                    md.push_str(&format!("| `{}` | {} |\n", c.code, labels.join("; ").replace('|', "\\|")));
                }
            }
            md.push('\n');
        }
        md.push_str(&format!(
            "## Survey versions / versiones de la encuesta\n\nEvery row of this export was given under version {v} \
             (column `survey_version`). A question key means the same in every version that has it. / Todas las \
             filas se respondieron con la versión {v}. Una clave de pregunta significa lo mismo en todas las \
             versiones que la tienen.\n\n",
            v = self.survey_version
        ));
        for v in &self.versions {
            let this = if v.exported { " (this export / esta exportación)" } else { "" };
            md.push_str(&format!("### Version / versión {}{this}\n\n", v.version));
            md.push_str("| key | kind | index | es | en |\n|---|---|---|---|---|\n");
            for q in &v.questions {
                let text = |l: &str| q.text.get(l).cloned().unwrap_or_default().replace('|', "\\|");
                md.push_str(&format!(
                    "| `{}` | {} | {} | {} | {} |\n",
                    q.key,
                    q.kind,
                    if q.in_index { "yes / sí" } else { "no" },
                    text("es"),
                    text("en")
                ));
            }
            md.push('\n');
        }
        md
    }
}

pub(super) fn anonymization_markdown(r: &Report) -> String {
    let mut md = format!(
        "Every combination of station (or region), period, language, respondent type, age band and, when it is \
         exported, the suspect flag holds at least k = {} rows. / Cada combinación tiene al menos k = {} filas.\n\n",
        r.k, r.k
    );
    if r.weeks_refused {
        md.push_str("- Weeks were asked for but a week-cell held fewer than k rows: months are used.\n");
    }
    for s in &r.steps {
        md.push_str(&format!("- {}: {} rows / filas\n", s.step.description_en(), s.rows));
    }
    md.push_str(&format!(
        "- Rows in / filas: {}; rows exported / exportadas: {}; rows suppressed / suprimidas: {}\n",
        r.rows_in, r.rows_out, r.suppressed_rows
    ));
    md
}

pub(super) fn summary_markdown(req: &ExportRequest, report: &Report, rows: u64, files: &[(String, String)]) -> String {
    let mut md = String::from("# Digna export: summary / resumen\n\n");
    md.push_str(&format!(
        "- Period / periodo: {} – {}\n- Survey version: {}\n- Stations: {}\n- Regions asked for: {}\n- Rows: {rows}\n\n",
        req.from,
        req.to,
        req.survey_version,
        req.stations.join(", "),
        req.regions.join(", ")
    ));
    md.push_str(&anonymization_markdown(report));
    md.push_str("\n## SHA-256\n\n");
    for (name, hash) in files {
        md.push_str(&format!("- `{hash}`  {name}\n"));
    }
    md
}

pub(super) fn coded_columns<'a>(cols: &'a [Column], survey: &'a Survey) -> Vec<(&'a str, Vec<(i64, String)>)> {
    cols.iter()
        .filter_map(|c| match &c.kind {
            ColumnKind::Scale(_) => {
                Some((c.name.as_str(), scale_labels().iter().map(|(n, l)| (*n, l.to_string())).collect()))
            }
            ColumnKind::Single(q, choices) => Some((
                c.name.as_str(),
                choices
                    .iter()
                    .enumerate()
                    .map(|(i, key)| {
                        let label = survey
                            .question(q)
                            .and_then(|q| q.choice(key))
                            .map(|ch| text_in(&ch.text, Language::Es))
                            .unwrap_or_else(|| key.clone());
                        (i as i64 + 1, label)
                    })
                    .chain(std::iter::once((WITHHELD_CODE, WITHHELD_LABEL.0.to_string())))
                    .collect(),
            )),
            ColumnKind::Dummy(..) => Some((c.name.as_str(), vec![(0, "No elegida".into()), (1, "Elegida".into())])),
            ColumnKind::Suspect => Some((c.name.as_str(), vec![(0, "No".into()), (1, "Sospechosa".into())])),
            _ => None,
        })
        .collect()
}

pub(super) fn quoted(s: &str) -> String {
    s.replace('"', "'")
}

pub(super) fn spss_script(cols: &[Column], survey: &Survey) -> String {
    let names: Vec<&str> = cols.iter().map(|c| c.name.as_str()).collect();
    let mut s = String::from("* Digna: value labels for responses.csv (SPSS syntax).\n");
    s.push_str("GET DATA /TYPE=TXT /FILE='responses.csv' /ENCODING='UTF8' /DELIMITERS=',' /QUALIFIER='\"'\n");
    s.push_str("  /ARRANGEMENT=DELIMITED /FIRSTCASE=2 /VARIABLES=\n");
    for c in cols {
        let ty = match c.kind {
            ColumnKind::Scale(_) | ColumnKind::Single(..) | ColumnKind::Dummy(..) | ColumnKind::Suspect => "F2.0",
            _ => "A64",
        };
        s.push_str(&format!("  {} {ty}\n", c.name));
    }
    s.push_str(".\n");
    for (name, labels) in coded_columns(cols, survey) {
        s.push_str(&format!("VALUE LABELS {name}\n"));
        for (code, label) in labels {
            s.push_str(&format!("  {code} \"{}\"\n", quoted(&label)));
        }
        s.push_str(".\n");
    }
    s.push_str(&format!("MISSING VALUES {} ().\nEXECUTE.\n", names.last().copied().unwrap_or("station")));
    s
}

pub(super) fn stata_script(cols: &[Column], survey: &Survey) -> String {
    let mut s = String::from("* Digna: value labels for responses.csv (Stata do-file)\n");
    s.push_str("import delimited using \"responses.csv\", varnames(1) encoding(\"utf-8\") clear\n");
    for (name, labels) in coded_columns(cols, survey) {
        let body: Vec<String> = labels.iter().map(|(code, label)| format!("{code} \"{}\"", quoted(label))).collect();
        s.push_str(&format!("label define {name}_lbl {}\n", body.join(" ")));
        s.push_str(&format!("label values {name} {name}_lbl\n"));
    }
    s
}

pub(super) fn r_script(cols: &[Column], survey: &Survey) -> String {
    let mut s = String::from("# Digna: value labels for responses.csv (R)\n");
    s.push_str("responses <- read.csv(\"responses.csv\", encoding = \"UTF-8\", stringsAsFactors = FALSE)\n");
    for (name, labels) in coded_columns(cols, survey) {
        let levels: Vec<String> = labels.iter().map(|(c, _)| c.to_string()).collect();
        let names: Vec<String> = labels.iter().map(|(_, l)| r_string(l)).collect();
        s.push_str(&format!(
            "responses${name} <- factor(responses${name}, levels = c({}), labels = c({}))\n",
            levels.join(", "),
            names.join(", ")
        ));
    }
    s
}

/// `s` as an R string literal: backslashes, quotes and line breaks escaped, so that a
/// label cannot end the string and run code when the script is sourced.
pub(super) fn r_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {

    #[test]
    fn an_r_label_cannot_end_its_string() {
        assert_eq!(super::r_string(r#"Sí, "bien""#), r#""Sí, \"bien\"""#);
        // Escaping only the quote would leave `\\"`: an escaped backslash, then a quote
        // that ends the string and lets `system(...)` run.
        assert_eq!(super::r_string(r#"a\"); system("x")#"#), r#""a\\\"); system(\"x\")#""#);
        assert_eq!(super::r_string("two\nlines\r"), r#""two\nlines\r""#);
        // Inside the outer quotes, no quote is left unescaped.
        let literal = super::r_string(r#"\\"\"#);
        let mut escaped = false;
        for c in literal[1..literal.len() - 1].chars() {
            assert!(escaped || c != '"', "an unescaped quote in {literal}");
            escaped = !escaped && c == '\\';
        }
    }
}
