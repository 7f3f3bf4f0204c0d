//! Texts of the kiosk's own interface (the survey's texts come from the database).
//!
//! Spanish and English are reviewed. Quechua (Southern Quechua) and Aymara are
//! best-effort drafts that a native speaker must review before a station offers them.
//! The enrollment screen is for staff and is in Spanish only.
use crate::domain::Language;

/// The kiosk's interface in one language.
pub struct KioskTexts {
    pub loading: &'static str,
    /// Accessible name of the help banner.
    pub help_label: &'static str,
    pub help_line: &'static str,
    pub welcome_title: &'static str,
    pub welcome_what: &'static str,
    pub welcome_anonymous: &'static str,
    pub welcome_skip: &'static str,
    pub language_label: &'static str,
    pub start: &'static str,
    /// "Pregunta {n} de {total}"; see [`progress`].
    progress: (&'static str, &'static str, &'static str),
    pub very_bad: &'static str,
    pub bad: &'static str,
    pub good: &'static str,
    pub very_good: &'static str,
    pub rather_not: &'static str,
    pub choose_any: &'static str,
    pub back: &'static str,
    pub skip: &'static str,
    pub next: &'static str,
    pub exit: &'static str,
    pub thanks_title: &'static str,
    pub thanks_sent: &'static str,
    pub thanks_line_100: &'static str,
    pub thanks_cem: &'static str,
    pub finish: &'static str,
    pub offline_title: &'static str,
    pub offline_text: &'static str,
    pub retry: &'static str,
}

/// The interface texts in `lang`.
pub fn texts(lang: Language) -> &'static KioskTexts {
    match lang {
        Language::Es => &ES,
        Language::Qu => &QU,
        Language::Ay => &AY,
        Language::En => &EN,
    }
}

/// "Pregunta 3 de 11", in `lang`.
pub fn progress(lang: Language, n: usize, total: usize) -> String {
    let (before, middle, after) = texts(lang).progress;
    format!("{before}{n}{middle}{total}{after}")
}

static ES: KioskTexts = KioskTexts {
    loading: "Cargando…",
    help_label: "Ayuda",
    help_line: "Línea 100 — gratuita, 24 horas",
    welcome_title: "Tu opinión nos ayuda a mejorar",
    welcome_what: "Son unas pocas preguntas sobre cómo te trataron hoy.",
    welcome_anonymous: "Es anónimo: no te pedimos tu nombre y nadie en la comisaría puede ver tus respuestas.",
    welcome_skip: "Puedes saltar cualquier pregunta y parar cuando quieras.",
    language_label: "Idioma",
    start: "Comenzar",
    progress: ("Pregunta ", " de ", ""),
    very_bad: "Muy mal",
    bad: "Mal",
    good: "Bien",
    very_good: "Muy bien",
    rather_not: "Prefiero no responder",
    choose_any: "Puedes elegir varias.",
    back: "Atrás",
    skip: "Saltar",
    next: "Siguiente",
    exit: "Salir",
    thanks_title: "Gracias",
    thanks_sent: "Tus respuestas se enviaron de forma anónima.",
    thanks_line_100: "Si necesitas ayuda, llama gratis a la Línea 100, las 24 horas.",
    thanks_cem: "También puedes pedir al personal que te comunique con el Centro Emergencia Mujer.",
    finish: "Terminar",
    offline_title: "No hay conexión",
    offline_text: "La tableta no puede conectarse en este momento.",
    retry: "Reintentar",
};

static EN: KioskTexts = KioskTexts {
    loading: "Loading…",
    help_label: "Help",
    help_line: "Línea 100 — free, 24 hours",
    welcome_title: "Your opinion helps us improve",
    welcome_what: "A few questions about how you were treated today.",
    welcome_anonymous: "It is anonymous: we do not ask your name, and nobody at the station can see your answers.",
    welcome_skip: "You can skip any question and stop at any time.",
    language_label: "Language",
    start: "Start",
    progress: ("Question ", " of ", ""),
    very_bad: "Very bad",
    bad: "Bad",
    good: "Good",
    very_good: "Very good",
    rather_not: "I'd rather not answer",
    choose_any: "You can choose more than one.",
    back: "Back",
    skip: "Skip",
    next: "Next",
    exit: "Exit",
    thanks_title: "Thank you",
    thanks_sent: "Your answers were sent anonymously.",
    thanks_line_100: "If you need help, call Línea 100 for free, 24 hours a day.",
    thanks_cem: "You can also ask the staff to put you in touch with the Centro Emergencia Mujer.",
    finish: "Finish",
    offline_title: "No connection",
    offline_text: "The tablet cannot connect right now.",
    retry: "Try again",
};

// Draft: to be reviewed by a native speaker of Southern Quechua.
static QU: KioskTexts = KioskTexts {
    loading: "Suyaykuy…",
    help_label: "Yanapay",
    help_line: "Línea 100 — mana qullqiyuq, 24 horas",
    welcome_title: "Yuyayniyki aswan allin kanaykupaq yanapawanku",
    welcome_what: "Kunan p'unchaw imaynata atiendesusqaykimanta huk iskay kimsa tapukuykuna.",
    welcome_anonymous:
        "Mana sutiyuqmi: mana sutiykita mañakuykuchu, comisariapi mana pipas kutichisqaykikunata rikunqachu.",
    welcome_skip: "Mayqin tapukuytapas saltayta atinki, munasqayki pachapi saqeytapas atinki.",
    language_label: "Simi",
    start: "Qallariy",
    progress: ("Tapukuy ", " / ", ""),
    very_bad: "Ancha mana allin",
    bad: "Mana allin",
    good: "Allin",
    very_good: "Ancha allin",
    rather_not: "Mana kutichiyta munanichu",
    choose_any: "Achkata akllayta atinki.",
    back: "Qhipaman",
    skip: "Saltay",
    next: "Qatiqnin",
    exit: "Lluqsiy",
    thanks_title: "Añaychayki",
    thanks_sent: "Kutichisqaykikunaqa mana sutiyuq apachisqa karqan.",
    thanks_line_100: "Yanapayta munaspaqa, Línea 100 nisqaman mana qullqiyuq waqyay, 24 horas.",
    thanks_cem: "Personalta mañakuyta atinki Centro Emergencia Mujer nisqawan rimanaykipaq.",
    finish: "Tukuy",
    offline_title: "Mana conexión kanchu",
    offline_text: "Tabletaqa kunan mana conectakuyta atinchu.",
    retry: "Hukmanta",
};

// Draft: to be reviewed by a native speaker of Aymara.
static AY: KioskTexts = KioskTexts {
    loading: "Suyt'am…",
    help_label: "Yanapa",
    help_line: "Línea 100 — inaki, 24 horas",
    welcome_title: "Amuyumax juk'amp askichañatakiw yanapistu",
    welcome_what: "Jichhürux kunjams uñjapxtam uka tuqit mä qhawqha jiskt'anaka.",
    welcome_anonymous: "Jan sutinïkiti: janiw sutimx mayipktanti, comisarian janiw khitis jaysawinakam uñjkaniti.",
    welcome_skip: "Kawkïr jiskt's jaytasmawa, kunapachas munkta ukhax sayt'asmawa.",
    language_label: "Aru",
    start: "Qalltaña",
    progress: ("Jiskt'a ", " / ", ""),
    very_bad: "Sinti jan wali",
    bad: "Jan wali",
    good: "Wali",
    very_good: "Sinti wali",
    rather_not: "Jan jaysañ munkti",
    choose_any: "Walja ajllismawa.",
    back: "Qhiparu",
    skip: "Jaytaña",
    next: "Arkiri",
    exit: "Mistuña",
    thanks_title: "Yuspajara",
    thanks_sent: "Jaysawinakamax jan sutimpiw apayasiwayi.",
    thanks_line_100: "Yanapa munsta ukhax, Línea 100 ukar inaki jawsam, 24 horas.",
    thanks_cem: "Personalarux Centro Emergencia Mujer ukamp parlañ mayismawa.",
    finish: "Tukuyaña",
    offline_title: "Janiw conexión utjkiti",
    offline_text: "Tabletax jichhax janiw conectasiñjamäkiti.",
    retry: "Mayampi",
};

/// The staff-facing enrollment screen, in Spanish only.
pub mod enroll {
    pub const TITLE: &str = "Registrar esta tableta";
    pub const INTRO: &str =
        "Escribe el código de registro que te dio el administrador. Solo hace falta hacerlo una vez.";
    pub const CODE_LABEL: &str = "Código de registro";
    pub const SUBMIT: &str = "Registrar";
    pub const SUBMITTING: &str = "Registrando…";
    pub const INVALID: &str = "El código no es válido, ya se usó o venció. Pide uno nuevo al administrador.";
    pub const OFFLINE: &str = "No hay conexión con el servidor. Revisa la red e inténtalo de nuevo.";
    pub const FAILED: &str = "No se pudo registrar la tableta. Inténtalo de nuevo en un momento.";
    pub const REVOKED: &str =
        "Esta tableta ya no está registrada. Hay que registrarla de nuevo con un código nuevo del administrador.";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_reads_naturally() {
        assert_eq!(progress(Language::Es, 3, 11), "Pregunta 3 de 11");
        assert_eq!(progress(Language::En, 3, 11), "Question 3 of 11");
    }

    #[test]
    fn every_language_has_every_text() {
        for lang in Language::ALL {
            let t = texts(lang);
            for (name, s) in [
                ("start", t.start),
                ("very_bad", t.very_bad),
                ("rather_not", t.rather_not),
                ("back", t.back),
                ("skip", t.skip),
                ("exit", t.exit),
                ("thanks_title", t.thanks_title),
                ("help_line", t.help_line),
            ] {
                assert!(!s.trim().is_empty(), "{lang}: {name} is empty");
            }
            // The help line must always name the free national helpline.
            assert!(t.help_line.starts_with("Línea 100 — "), "{lang}: help line");
        }
    }
}
